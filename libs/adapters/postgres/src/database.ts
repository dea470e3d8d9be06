import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, type Migration, Migrator, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { Pool } from 'pg';

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
  let embedded = false;
  if (options.url) {
    const pool = new Pool({ connectionString: options.url, max: 10, options: `-c search_path=${options.schema}` });
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  } else {
    mkdirSync(options.embeddedDir, { recursive: true });
    const pglite = await PGlite.create(options.embeddedDir);
    await pglite.exec(`CREATE SCHEMA IF NOT EXISTS ${options.schema}; SET search_path TO ${options.schema};`);
    db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
    embedded = true;
  }
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
    await db.destroy();
    throw error;
  }
  return { db, embedded, close: () => db.destroy() };
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
