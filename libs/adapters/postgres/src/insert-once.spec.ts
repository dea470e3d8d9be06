import { CairnError } from '@cairn/contracts';
import fc from 'fast-check';
import type { Kysely } from 'kysely';
import type { Database } from './database';
import { insertOnce } from './insert-once';
import { type KitDb, openKitDatabase, uuidOf } from './store-kit.fixture';

describe('insertOnce [real: PGlite]', () => {
  let database: Database<KitDb>;
  let db: Kysely<KitDb>;
  let next = 0;
  beforeAll(async () => {
    database = await openKitDatabase();
    db = database.db;
  });
  afterAll(() => database.close());

  const find = (requestId: string) => db.selectFrom('items').selectAll().where('request_id', '=', requestId).executeTakeFirst();
  const insert = (requestId: string | undefined) => () =>
    db
      .insertInto('items')
      .values({ item_id: uuidOf((next += 1)), request_id: requestId ?? null, created_at: new Date(), name: 'n', bytes: 1, seq: 1 })
      .returningAll()
      .executeTakeFirstOrThrow();
  const rowsOf = async (requestId: string) => (await db.selectFrom('items').select('item_id').where('request_id', '=', requestId).execute()).length;

  it('creates one record per request id however many callers race, and every caller gets that record', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.uuid(), async (callers, requestId) => {
        let prepared = 0;
        const results = await Promise.all(
          Array.from({ length: callers }, () =>
            insertOnce({
              requestId,
              find,
              prepare: () => Promise.resolve((prepared += 1)),
              insert: insert(requestId),
            }),
          ),
        );
        expect(new Set(results.map((r) => r.row.item_id)).size).toBe(1);
        expect(await rowsOf(requestId)).toBe(1);
        // A repeat after the race finds the record without preparing it again.
        const before = prepared;
        const again = await insertOnce({ requestId, find, prepare: () => Promise.resolve((prepared += 1)), insert: insert(requestId) });
        expect(again).toEqual({ row: results[0]?.row, found: true });
        expect(prepared).toBe(before);
      }),
      { numRuns: 15 },
    );
  });

  it('creates a record on every call without a request id', async () => {
    const first = await insertOnce({ requestId: undefined, find, prepare: () => Promise.resolve(0), insert: insert(undefined) });
    const second = await insertOnce({ requestId: undefined, find, prepare: () => Promise.resolve(0), insert: insert(undefined) });
    expect(first.found).toBe(false);
    expect(second.row.item_id).not.toBe(first.row.item_id);
  });

  it('passes a refusal of prepare through and records nothing', async () => {
    const refused = insertOnce({
      requestId: 'refused',
      find,
      prepare: () => Promise.reject(new CairnError('INVALID_ARGUMENT', 'bad site')),
      insert: insert('refused'),
    });
    await expect(refused).rejects.toThrow('bad site');
    expect(await rowsOf('refused')).toBe(0);
  });

  it('throws the insert error when no earlier record explains it', async () => {
    const failing = insertOnce({ requestId: 'lost', find, prepare: () => Promise.resolve(0), insert: () => Promise.reject(new Error('disk full')) });
    await expect(failing).rejects.toThrow('disk full');
    const withoutId = insertOnce({ requestId: undefined, find, prepare: () => Promise.resolve(0), insert: () => Promise.reject(new Error('disk full')) });
    await expect(withoutId).rejects.toThrow('disk full');
  });
});
