import { PGlite } from '@electric-sql/pglite';
import { Kysely, type Migration, Migrator, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { Pool } from 'pg';
import { type DataDirLock, type LockHolder, lockDataDir } from './data-dir-lock';

export interface DatabaseOptions {
  /** postgres://...; when absent, an embedded PostgreSQL (PGlite) in `embeddedDir`. */
  url?: string;
  embeddedDir: string;
  /** The service's own schema; every query runs with it as search_path. */
  schema: string;
  /**
   * Versioned migrations, applied in name order at start-up: one set per capability with
   * tables in the schema, each recorded in its own table (so each numbers its own), or a
   * plain map for a schema with one set, recorded in kysely's default table.
   */
  migrations: readonly MigrationSet[] | Record<string, Migration>;
}

/** One capability's migrations, and the table in the schema that records which of them ran. */
export interface MigrationSet {
  /** e.g. jobs_migrations (its lock table is <table>_lock). */
  table: string;
  migrations: Record<string, Migration>;
}

/** Where every migration of a schema was recorded before each capability had its own table. */
const SHARED_MIGRATION_TABLE = 'kysely_migration';

export interface Database<DB> {
  db: Kysely<DB>;
  embedded: boolean;
  /** Embedded only: the holder a crashed process left on the data directory, cleared at open. */
  clearedStaleHolder?: LockHolder;
  /** Closes the database (and, embedded, gives its data directory up). */
  close(): Promise<void>;
}

const SCHEMA = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Opens the service's database (server or embedded), creates its schema and applies its
 * migrations. A failed migration refuses the start with one clear error.
 */
export async function openDatabase<DB>(options: DatabaseOptions): Promise<Database<DB>> {
  if (!SCHEMA.test(options.schema)) throw new Error(`invalid schema name ${options.schema}`);
  let db: Kysely<DB>;
  let lock: DataDirLock | undefined;
  if (options.url) {
    const pool = new Pool({ connectionString: options.url, max: 10, options: `-c search_path=${options.schema}` });
    // A session that dies (server restart, pg_terminate_backend) fails its queries, which their
    // callers see; its 'error' event, idle or checked out, must not end the process. The pool drops it.
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  } else {
    // One process per data directory, or PGlite's files are corrupted (see data-dir-lock.ts).
    lock = await lockDataDir(options.embeddedDir);
    try {
      db = new Kysely<DB>({ dialect: new PGliteDialect(await openPGlite(options.embeddedDir, options.schema)) });
    } catch (error) {
      await lock.release();
      throw error;
    }
  }
  const close = async () => {
    try {
      await db.destroy();
    } finally {
      await lock?.release();
    }
  };
  try {
    await createSchema(db, options.schema);
    const sets = Array.isArray(options.migrations) ? options.migrations : [{ table: SHARED_MIGRATION_TABLE, migrations: options.migrations }];
    for (const set of sets) await migrate(db, options.schema, set);
  } catch (error) {
    await close();
    throw error;
  }
  return { db, embedded: lock !== undefined, ...(lock?.clearedStale ? { clearedStaleHolder: lock.clearedStale } : {}), close };
}

/** Applies one set's migrations not yet recorded in its table; a failure names the migration. */
async function migrate<DB>(db: Kysely<DB>, schema: string, set: MigrationSet): Promise<void> {
  if (!SCHEMA.test(set.table)) throw new Error(`invalid migration table name ${set.table}`);
  if (set.table !== SHARED_MIGRATION_TABLE) await adoptSharedRecords(db, schema, set);
  const migrator = new Migrator({
    db,
    migrationTableSchema: schema,
    migrationTableName: set.table,
    migrationLockTableName: `${set.table}_lock`,
    provider: { getMigrations: () => Promise.resolve(set.migrations) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} of schema ${schema} failed: ${(error as Error).message}`);
  }
}

/**
 * A database from before each capability had its own migrations table recorded all of them
 * in kysely's one table. The first start with the set's own table creates it with the set's
 * rows copied from the shared one, so no migration runs twice. Done once, in a transaction
 * under an advisory lock: replicas starting together copy once and never see half a table.
 */
async function adoptSharedRecords<DB>(db: Kysely<DB>, schema: string, set: MigrationSet): Promise<void> {
  const names = Object.keys(set.migrations);
  await db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`${schema}.${set.table}`}))`.execute(tx);
    const found = await sql<{ own: string | null; shared: string | null }>`
      SELECT to_regclass(${`${schema}.${set.table}`})::text AS own, to_regclass(${`${schema}.${SHARED_MIGRATION_TABLE}`})::text AS shared`.execute(tx);
    const { own = null, shared = null } = found.rows[0] ?? {};
    if (own !== null || shared === null || names.length === 0) return;
    // The same columns as the table kysely's Migrator creates.
    await sql`CREATE TABLE ${sql.id(schema, set.table)} (name varchar(255) NOT NULL PRIMARY KEY, timestamp varchar(255) NOT NULL)`.execute(tx);
    await sql`INSERT INTO ${sql.id(schema, set.table)} (name, timestamp)
      SELECT name, timestamp FROM ${sql.id(schema, SHARED_MIGRATION_TABLE)} WHERE name IN (${sql.join(names)})`.execute(tx);
  });
}

/**
 * PGlite on its data directory (NodeFS: every write goes straight to the file through
 * fs.writeSync, so a committed row is in the kernel before the query returns and survives
 * kill -9 of this process). relaxedDurability stays off: each query's writes are flushed
 * before its result is returned.
 */
async function openPGlite(dir: string, schema: string): Promise<PGlite> {
  const pglite = await PGlite.create(dir, { relaxedDurability: false });
  try {
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema};`);
  } catch (error) {
    await pglite.close();
    throw error;
  }
  return pglite;
}

/**
 * CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent twin (two replicas starting
 * on a fresh database): the loser gets a unique violation, which means the schema exists.
 */
async function createSchema<DB>(db: Kysely<DB>, schema: string): Promise<void> {
  try {
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(db);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}
