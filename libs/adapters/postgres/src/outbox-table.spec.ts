import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from './database';
import { outboxTable } from './outbox-table';
import { type KitDb, openKitDatabase, uuidOf } from './store-kit.fixture';

describe('outboxTable [real: PGlite]', () => {
  let database: Database<KitDb>;
  let db: Kysely<KitDb>;
  beforeAll(async () => {
    database = await openKitDatabase();
    db = database.db;
  });
  afterAll(() => database.close());

  it('hands out the unsent rows oldest first, in batches, until every one is marked', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 7 }), async (count, batch) => {
        await db.deleteFrom('items').execute();
        if (count > 0) {
          await db
            .insertInto('items')
            .values(Array.from({ length: count }, (_, i) => ({ item_id: uuidOf(i), request_id: null, created_at: new Date(), name: 'n', bytes: 1, seq: i + 1 })))
            .execute();
        }
        const outbox = outboxTable(db, 'items');
        const sent: number[] = [];
        for (;;) {
          const rows = await outbox.unpublished(batch);
          expect(rows.length).toBeLessThanOrEqual(batch);
          if (rows.length === 0) break;
          sent.push(...rows.map((r) => r.seq));
          await outbox.markPublished(rows.map((r) => r.id));
        }
        expect(sent).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      }),
      { numRuns: 15 },
    );
  });

  it('marks only the rows it is given (none for an empty list)', async () => {
    await db.deleteFrom('items').execute();
    await db
      .insertInto('items')
      .values([0, 1, 2].map((i) => ({ item_id: uuidOf(i), request_id: null, created_at: new Date(), name: 'n', bytes: 1, seq: i + 1 })))
      .execute();
    const outbox = outboxTable(db, 'items');
    await outbox.markPublished([]);
    const [first] = await outbox.unpublished(1);
    await outbox.markPublished(first ? [first.id] : []);
    expect((await outbox.unpublished(10)).map((r) => r.seq)).toEqual([2, 3]);
  });
});
