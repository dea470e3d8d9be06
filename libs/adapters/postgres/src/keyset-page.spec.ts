import { errorCode } from '@cairn/testing';
import fc from 'fast-check';
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './database';
import { type KeysetKey, keysetPage } from './keyset-page';
import { type ItemsTable, type KitDb, openKitDatabase, uuidOf } from './store-kit.fixture';

const key: KeysetKey<Selectable<ItemsTable>> = {
  createdAtColumn: 'created_at',
  idColumn: 'item_id',
  createdAt: (row) => row.created_at,
  id: (row) => row.item_id,
};

describe('keysetPage [real: PGlite]', () => {
  let database: Database<KitDb>;
  let db: Kysely<KitDb>;
  beforeAll(async () => {
    database = await openKitDatabase();
    db = database.db;
  });
  afterAll(() => database.close());
  beforeEach(() => db.deleteFrom('items').execute());

  const fill = (rows: { second: number; bytes: number; name?: string }[]) =>
    rows.length === 0
      ? Promise.resolve()
      : db
          .insertInto('items')
          .values(rows.map((r, i) => ({ item_id: uuidOf(i), request_id: null, created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, r.second)), name: r.name ?? 'n', bytes: r.bytes, seq: 1 })))
          .execute();

  /** Every page from the first until the token is empty. */
  async function allPages(pageSize: number, maxBytes: number) {
    const pages: string[][] = [];
    let pageToken: string | undefined;
    for (;;) {
      const page = await keysetPage(db.selectFrom('items').selectAll(), { pageSize, pageToken }, key, 'ListItems', (row) => row.bytes, maxBytes);
      pages.push(page.rows.map((r) => r.item_id));
      if (!page.nextPageToken) return { pages, sizes: pages.map((p) => p.length) };
      pageToken = page.nextPageToken;
    }
  }

  it('walks every row once, newest first and by id among equal times, whatever the page size and the times', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 25 }), fc.integer({ min: 1, max: 6 }), async (seconds, pageSize) => {
        await db.deleteFrom('items').execute();
        await fill(seconds.map((second) => ({ second, bytes: 1 })));
        const { pages } = await allPages(pageSize, 1_000_000);
        const expected = seconds
          .map((second, i) => ({ second, id: uuidOf(i) }))
          .sort((a, b) => b.second - a.second || (a.id < b.id ? 1 : -1))
          .map((r) => r.id);
        expect(pages.flat()).toEqual(expected);
        expect(pages.every((p) => p.length <= pageSize)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('keeps each page within the byte budget and steps over a record too large for any page', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 150 }), { minLength: 1, maxLength: 20 }), async (sizes) => {
        await db.deleteFrom('items').execute();
        await fill(sizes.map((bytes, i) => ({ second: i, bytes })));
        const { pages } = await allPages(5, 100);
        const byId = new Map(sizes.map((bytes, i) => [uuidOf(i), bytes]));
        // Each row costs its size and a comma in the reply (see pageWithin).
        for (const page of pages) expect(page.reduce((sum, id) => sum + (byId.get(id) ?? 0) + 1, 0)).toBeLessThanOrEqual(100);
        const fitting = sizes.map((bytes, i) => ({ bytes, id: uuidOf(i) })).filter((r) => r.bytes + 1 <= 100).reverse().map((r) => r.id);
        expect(pages.flat()).toEqual(fitting);
      }),
      { numRuns: 20 },
    );
  });

  it('pages what the caller filtered, and gives an empty token after the last page', async () => {
    await fill([{ second: 1, bytes: 1, name: 'a' }, { second: 2, bytes: 1, name: 'b' }, { second: 3, bytes: 1, name: 'a' }]);
    const page = await keysetPage(db.selectFrom('items').selectAll().where('name', '=', 'a'), { pageSize: 2 }, key, 'ListItems', () => 1);
    expect(page.rows.map((r) => r.item_id)).toEqual([uuidOf(2), uuidOf(0)]);
    expect(page.nextPageToken).toBe('');
  });

  it('refuses a forged page token as INVALID_ARGUMENT and reads nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 80 }), async (token) => {
        expect(await errorCode(keysetPage(db.selectFrom('items').selectAll(), { pageSize: 1, pageToken: token }, key, 'ListItems', () => 1))).toBe('INVALID_ARGUMENT');
      }),
      { numRuns: 30 },
    );
  });
});
