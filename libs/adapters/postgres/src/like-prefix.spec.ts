import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from './database';
import { likePrefix } from './like-prefix';
import { type KitDb, openKitDatabase, uuidOf } from './store-kit.fixture';

describe('likePrefix [real: PGlite]', () => {
  let database: Database<KitDb>;
  let db: Kysely<KitDb>;
  beforeAll(async () => {
    database = await openKitDatabase();
    db = database.db;
  });
  afterAll(() => database.close());

  it('matches exactly the names that start with the prefix, whatever LIKE characters it holds', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '%', '_', '\\', "'", 'é'), maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(text, { maxLength: 8 }), text, async (names, prefix) => {
        await db.deleteFrom('items').execute();
        if (names.length > 0) {
          await db
            .insertInto('items')
            .values(names.map((name, i) => ({ item_id: uuidOf(i), request_id: null, created_at: new Date(), name, bytes: 1, seq: 1 })))
            .execute();
        }
        const found = await db.selectFrom('items').select('name').where('name', 'like', likePrefix(prefix)).execute();
        expect(found.map((r) => r.name).sort()).toEqual(names.filter((n) => n.startsWith(prefix)).sort());
      }),
      { numRuns: 40 },
    );
  });
});
