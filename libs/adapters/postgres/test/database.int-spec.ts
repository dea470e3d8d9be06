import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase, WORKSPACE } from '@cairn/testing';
import { type Place, runSteps, type Step, type StepResult } from './database-session';

interface Backend {
  title: string;
  embedded: boolean;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** A database for one test: the shared server database (each test uses its own schemas) or a fresh directory. */
  place(): Place;
  /** Runs the steps (open, query, close) and returns what each one saw. */
  run(place: Place, steps: Step[]): Promise<StepResult[]>;
}

let scratch: string;
const newDir = () => mkdtempSync(join(scratch, 'db-'));

const server = ((): Backend => {
  let database: TestDatabase | undefined;
  return {
    title: 'PostgreSQL 15 server',
    embedded: false,
    setUp: async () => {
      database = await createTestDatabase();
    },
    tearDown: async () => {
      await database?.drop();
    },
    place: () => ({ url: database?.url, embeddedDir: join(newDir(), 'unused') }),
    run: (place, steps) => runSteps(place, steps),
  };
})();

/** PGlite cannot load inside Jest's module VM (see database-session.ts): each run is a plain Node process. */
const embedded: Backend = {
  title: 'PGlite (embedded PostgreSQL, WASM, in a Node process)',
  embedded: true,
  setUp: () => Promise.resolve(),
  tearDown: () => Promise.resolve(),
  place: () => ({ embeddedDir: join(newDir(), 'pgdata') }),
  run: async (place, steps) => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', join(WORKSPACE, 'tools', 'register.js'), join(__dirname, 'database-session.ts'), JSON.stringify({ place, steps })],
      { cwd: WORKSPACE, timeout: 120_000 },
    );
    return JSON.parse(stdout) as StepResult[];
  },
};

const newSchema = (what: string) => `${what}_${randomBytes(4).toString('hex')}`;

const CREATE_ITEMS = 'CREATE TABLE items (id serial PRIMARY KEY, body text NOT NULL)';
const insert = (...bodies: string[]) => `INSERT INTO items (body) VALUES ${bodies.map((b) => `('${b}')`).join(', ')}`;
const BODIES = 'SELECT body FROM items ORDER BY id';
const tablesIn = (schema: string) =>
  `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY table_name`;
const appliedIn = (schema: string) => `SELECT name FROM ${schema}.kysely_migration ORDER BY name`;
const OWN_TABLES = ['items', 'kysely_migration', 'kysely_migration_lock'];

const opened = (...values: unknown[][]) => ({ opened: true, embedded: expect.any(Boolean), results: values.map((v) => ({ values: v })) });

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'cairn-postgres-int-'));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe.each([server, embedded])('openDatabase [real: $title]', (backend) => {
  beforeAll(() => backend.setUp());
  afterAll(() => backend.tearDown());

  it('applies the migrations in name order, into the service schema only', async () => {
    const place = backend.place();
    const schema = newSchema('svc');

    const [step] = await backend.run(place, [
      {
        schema,
        // Given out of order on purpose: 0002 fails unless 0001 ran first.
        migrations: { '0002-seed': insert('seeded'), '0001-items': CREATE_ITEMS },
        queries: [BODIES, tablesIn(schema), appliedIn(schema), tablesIn('public')],
      },
    ]);

    expect(step).toEqual({
      opened: true,
      embedded: backend.embedded,
      results: [
        { values: ['seeded'] },
        { values: OWN_TABLES },
        { values: ['0001-items', '0002-seed'] },
        { values: expect.not.arrayContaining(['items']) },
      ],
    });
    expect(existsSync(place.embeddedDir)).toBe(backend.embedded);
  });

  it('does not apply a migration twice when opened again, and applies only the new ones', async () => {
    const schema = newSchema('svc');
    const v1 = { '0001-items': CREATE_ITEMS, '0002-seed': insert('v1') };
    const v2 = { ...v1, '0003-more': insert('v2') };

    const steps = await backend.run(backend.place(), [
      { schema, migrations: v1 },
      { schema, migrations: v1, queries: [BODIES, appliedIn(schema)] },
      { schema, migrations: v2, queries: [BODIES, appliedIn(schema)] },
    ]);

    expect(steps).toEqual([
      opened(),
      opened(['v1'], ['0001-items', '0002-seed']),
      opened(['v1', 'v2'], ['0001-items', '0002-seed', '0003-more']),
    ]);
  });

  it("keeps two services' schemas apart: same table name with its own rows, and no sight of the other's tables", async () => {
    const [a, b] = [newSchema('svc_a'), newSchema('svc_b')];

    // One database, two services; one after the other, since PGlite allows one open instance per directory.
    const steps = await backend.run(backend.place(), [
      {
        schema: a,
        migrations: { '0001-items': CREATE_ITEMS, '0002-only-a': 'CREATE TABLE only_a (x int)', '0003-seed': insert('a') },
        queries: [BODIES],
      },
      {
        schema: b,
        migrations: { '0001-items': CREATE_ITEMS, '0002-seed': insert('b') },
        queries: [BODIES, 'SELECT x FROM only_a', appliedIn(b), tablesIn(a)],
      },
    ]);

    expect(steps[0]).toEqual(opened(['a']));
    expect(steps[1]).toEqual({
      opened: true,
      embedded: backend.embedded,
      results: [
        { values: ['b'] },
        { error: expect.stringMatching(/relation "only_a" does not exist/) },
        { values: ['0001-items', '0002-seed'] },
        { values: [...OWN_TABLES, 'only_a'] },
      ],
    });
  });

  it('refuses to open when a migration fails, naming it, and opens once the migration is fixed', async () => {
    const schema = newSchema('svc');

    const [broken, fixed] = await backend.run(backend.place(), [
      { schema, migrations: { '0001-items': CREATE_ITEMS, '0002-broken': 'INSERT INTO no_such_table VALUES (1)' } },
      { schema, migrations: { '0001-items': CREATE_ITEMS, '0002-fixed': insert('fixed') }, queries: [BODIES, appliedIn(schema)] },
    ]);

    expect(broken).toEqual({
      opened: false,
      error: expect.stringMatching(new RegExp(`^migration 0002-broken of schema ${schema} failed: .*no_such_table`)),
    });
    expect(fixed).toEqual(opened(['fixed'], ['0001-items', '0002-fixed']));
  });

  it('keeps the rows written through the connection after close and reopen (durability)', async () => {
    const place = backend.place();
    const schema = newSchema('svc');
    const migrations = { '0001-items': CREATE_ITEMS };

    // Two runs: for PGlite, two processes, so nothing can come from memory.
    const [write] = await backend.run(place, [{ schema, migrations, queries: [insert('one', 'two', 'three')] }]);
    const [read] = await backend.run(place, [{ schema, migrations, queries: [BODIES, appliedIn(schema)] }]);

    expect(write).toEqual(opened([]));
    expect(read).toEqual(opened(['one', 'two', 'three'], ['0001-items']));
  });
});

describe('openDatabase by replicas starting together [real: PostgreSQL 15 server]', () => {
  beforeAll(() => server.setUp());
  afterAll(() => server.tearDown());

  it('lets four replicas open one new schema at the same time', async () => {
    const schema = newSchema('replicas');
    const place = server.place();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => server.run(place, [{ schema, migrations: { '0001-items': CREATE_ITEMS }, queries: [appliedIn(schema)] }])),
    );
    for (const [result] of results) expect(result).toEqual(opened(['0001-items']));
  });
});
