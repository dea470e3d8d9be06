import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@cairn/adapters/postgres';
import { schedulerMigrations } from '@cairn/jobs';
import { workflowMigrations } from './migrations';

interface Recorded {
  name: string;
  timestamp: string;
}
/** The tables that record which migrations ran: the one shared before, one per capability now. */
interface MigrationTables {
  kysely_migration: Recorded;
  jobs_migrations: Recorded;
  workflow_migrations: Recorded;
}

const open = (embeddedDir: string, migrations: Parameters<typeof openDatabase>[0]['migrations']) =>
  openDatabase<MigrationTables>({ embeddedDir, schema: 'scheduler', migrations });
const names = (rows: Recorded[]) => rows.map((r) => r.name).sort();

describe("the scheduler's migrations: one table per capability [real: PGlite]", () => {
  it('a database migrated into the one shared table moves to per-capability tables without running anything twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migration-tables-'));
    // As the scheduler opened its schema before: both capabilities' migrations of then in kysely's one table.
    const then = ['0001-jobs', '0002-workflows', '0003-item-seconds', '0004-dispatch-retry', '0005-transient-retries', '0006-dispatch-sent'];
    const all = { ...schedulerMigrations.migrations, ...workflowMigrations.migrations };
    const before = await open(dir, Object.fromEntries(Object.entries(all).filter(([name]) => then.includes(name))));
    const shared = await before.db.selectFrom('kysely_migration').selectAll().execute();
    await before.close();
    expect(names(shared)).toEqual(['0001-jobs', '0002-workflows', '0003-item-seconds', '0004-dispatch-retry', '0005-transient-retries', '0006-dispatch-sent']);

    // Re-running 0001 or 0002 would fail (their tables exist): the start succeeds, twice.
    for (let start = 1; start <= 2; start += 1) {
      const after = await open(dir, [schedulerMigrations, workflowMigrations]);
      const jobs = await after.db.selectFrom('jobs_migrations').selectAll().execute();
      const workflows = await after.db.selectFrom('workflow_migrations').selectAll().execute();
      await after.close();
      expect(names(jobs)).toEqual(Object.keys(schedulerMigrations.migrations).sort());
      expect(names(workflows)).toEqual(Object.keys(workflowMigrations.migrations).sort());
      // Copied as they were: when each migration ran is kept.
      expect([...jobs, ...workflows].filter((m) => then.includes(m.name)).sort((a, b) => a.name.localeCompare(b.name))).toEqual(shared.sort((a, b) => a.name.localeCompare(b.name)));
    }
  }, 60_000);

  it('a new database records each capability in its own table only', async () => {
    const database = await open(mkdtempSync(join(tmpdir(), 'migration-tables-')), [schedulerMigrations, workflowMigrations]);
    try {
      expect(names(await database.db.selectFrom('jobs_migrations').selectAll().execute())).toEqual(Object.keys(schedulerMigrations.migrations).sort());
      expect(names(await database.db.selectFrom('workflow_migrations').selectAll().execute())).toEqual(Object.keys(workflowMigrations.migrations).sort());
      await expect(database.db.selectFrom('kysely_migration').selectAll().execute()).rejects.toThrow('does not exist');
    } finally {
      await database.close();
    }
  }, 60_000);
});
