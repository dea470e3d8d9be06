import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from './database';
import { grouping, groupingSets } from './grouping-sets';
import { type KitDb, openKitDatabase, uuidOf } from './store-kit.fixture';

describe('groupingSets and grouping [real: PGlite]', () => {
  let database: Database<KitDb>;
  let db: Kysely<KitDb>;
  beforeAll(async () => {
    database = await openKitDatabase();
    db = database.db;
  });
  afterAll(() => database.close());

  it('counts per name and per size in one statement, as two separate GROUP BYs would', async () => {
    const row = fc.record({ name: fc.constantFrom('a', 'b', 'c"; drop table items; --'), bytes: fc.integer({ min: 1, max: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 12 }), async (rows) => {
        await db.deleteFrom('items').execute();
        if (rows.length > 0) {
          await db
            .insertInto('items')
            .values(rows.map((r, i) => ({ item_id: uuidOf(i), request_id: null, created_at: new Date(), name: r.name, bytes: r.bytes, seq: 1 })))
            .execute();
        }
        const found = await db
          .selectFrom('items')
          .select(['name', 'bytes'])
          .select((eb) => [eb.fn.countAll<string>().as('n'), grouping('bytes').as('by_name')])
          .groupBy(groupingSets([['name'], ['bytes']]))
          .execute();
        const byName = new Map<string, number>();
        const bySize = new Map<number, number>();
        for (const r of rows) {
          byName.set(r.name, (byName.get(r.name) ?? 0) + 1);
          bySize.set(r.bytes, (bySize.get(r.bytes) ?? 0) + 1);
        }
        expect(new Map(found.filter((f) => Number(f.by_name) === 1).map((f) => [f.name, Number(f.n)]))).toEqual(byName);
        expect(new Map(found.filter((f) => Number(f.by_name) === 0).map((f) => [Number(f.bytes), Number(f.n)]))).toEqual(bySize);
      }),
      { numRuns: 30 },
    );
  });

  it('refuses an empty set of sets or an empty set', () => {
    expect(() => groupingSets([])).toThrow(RangeError);
    expect(() => groupingSets([['name'], []])).toThrow(RangeError);
  });
});
