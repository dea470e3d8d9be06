/**
 * Opens databases with openDatabase, runs SQL, and closes them again: the steps of one
 * database integration test. The server backend calls runSteps in the Jest process; the
 * embedded backend runs this file as a plain Node process (`node -r tools/register.js
 * database-session.ts '<json>'`, printing the results as JSON), because PGlite loads its
 * WASM files with a dynamic import() that Jest's module VM refuses without
 * --experimental-vm-modules.
 */
import { openDatabase } from '../src';
import { type Kysely, type Migration, sql } from 'kysely';

/** Where one database lives: a database on a server, or a directory for PGlite. */
export interface Place {
  url?: string;
  embeddedDir: string;
}

/** Open the schema with these migrations (name to one SQL statement), run the queries, close. */
export interface Step {
  schema: string;
  migrations: Record<string, string>;
  queries?: string[];
}

/** A query's first column, row by row, or the error it raised. */
export type QueryResult = { values: unknown[] } | { error: string };

export type StepResult = { opened: true; embedded: boolean; results: QueryResult[] } | { opened: false; error: string };

function toMigrations(statements: Record<string, string>): Record<string, Migration> {
  const migrations: Record<string, Migration> = {};
  for (const [name, statement] of Object.entries(statements)) {
    migrations[name] = {
      up: async (db: Kysely<unknown>) => {
        await sql.raw(statement).execute(db);
      },
    };
  }
  return migrations;
}

async function query(db: Kysely<unknown>, text: string): Promise<QueryResult> {
  try {
    const { rows } = await sql.raw<Record<string, unknown>>(text).execute(db);
    return { values: rows.map((row) => Object.values(row)[0]) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

export async function runSteps(place: Place, steps: readonly Step[]): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (const step of steps) {
    let database;
    try {
      database = await openDatabase<unknown>({ ...place, schema: step.schema, migrations: toMigrations(step.migrations) });
    } catch (error) {
      out.push({ opened: false, error: (error as Error).message });
      continue;
    }
    try {
      const results: QueryResult[] = [];
      for (const text of step.queries ?? []) results.push(await query(database.db, text));
      out.push({ opened: true, embedded: database.embedded, results });
    } finally {
      await database.close();
    }
  }
  return out;
}

if (require.main === module) {
  const { place, steps } = JSON.parse(process.argv[2] ?? '{}') as { place: Place; steps: Step[] };
  runSteps(place, steps).then(
    (results) => process.stdout.write(`${JSON.stringify(results)}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
