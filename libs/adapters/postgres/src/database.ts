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
  /** Versioned migrations, applied in name order at start-up. */
  migrations: Record<string, Migration>;
}

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
    const migrator = new Migrator({
      db,
      migrationTableSchema: options.schema,
      provider: { getMigrations: () => Promise.resolve(options.migrations) },
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
      throw new Error(`migration ${failed} of schema ${options.schema} failed: ${(error as Error).message}`);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { db, embedded: lock !== undefined, ...(lock?.clearedStale ? { clearedStaleHolder: lock.clearedStale } : {}), close };
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
