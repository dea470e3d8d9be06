/**
 * A process that opens an embedded database (PGlite) with openDatabase, for the tests of
 * embedded-lock.int-spec.ts, which kill it, race it and restart it. Run as
 * `node -r tools/register.js embedded-writer.ts <mode> <dir>`; it speaks in stdout lines:
 *   `cleared <pid>`  it cleared the lock of a process that is gone
 *   `ready`          the database is open
 *   `acked <id>`     (mode write) the insert of row <id> was acknowledged
 *   `rows <json>`    (mode count) every row id, ascending
 * Modes: write (insert rows one by one until killed, or SIGTERM: close and exit 0),
 * hold (open and wait; SIGTERM closes), count (print the rows and close).
 * A refused open prints one line on stderr and exits 3.
 */
import { type Kysely, sql } from 'kysely';
import { type Database, DataDirLockedError, openDatabase } from '../src';

const [mode = 'count', dir = ''] = process.argv.slice(2);
const migrations = {
  '0001-rows': {
    up: async (db: Kysely<unknown>) => {
      await sql`CREATE TABLE rows (id integer PRIMARY KEY, body text NOT NULL)`.execute(db);
    },
  },
};

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  let database: Database<unknown>;
  try {
    database = await openDatabase<unknown>({ embeddedDir: dir, schema: 'crash', migrations });
  } catch (error) {
    process.stderr.write(`${error instanceof DataDirLockedError ? 'refused' : 'failed'}: ${(error as Error).message}\n`);
    process.exit(3);
  }
  if (database.clearedStaleHolder) say(`cleared ${database.clearedStaleHolder.pid}`);
  let stopping = false;
  process.once('SIGTERM', () => {
    stopping = true;
    if (mode === 'hold') void database.close().then(() => process.exit(0));
  });
  say('ready');
  const ids = async () => (await sql<{ id: number }>`SELECT id FROM rows ORDER BY id`.execute(database.db)).rows.map((r) => r.id);
  if (mode === 'count') {
    say(`rows ${JSON.stringify(await ids())}`);
  } else if (mode === 'write') {
    let next = ((await ids()).at(-1) ?? 0) + 1;
    while (!stopping) {
      await sql`INSERT INTO rows (id, body) VALUES (${next}, ${`row ${next} `.repeat(20)})`.execute(database.db);
      say(`acked ${next}`);
      next += 1;
      // PGlite answers without I/O (promises only): let signals in between inserts, as a service's NATS traffic does.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } else {
    await new Promise(() => undefined); // hold until SIGTERM
  }
  await database.close();
}

void main();
