import { createRowCounters, type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/**
 * The run limits' counts kept as counters instead of counted at each submission (issue 13:
 * counting a project's unfinished jobs cost every group commit about 0.5 ms per thousand, and
 * the limits go up to millions). `active_jobs_by_owner` and `active_jobs_by_account` hold,
 * per owner and per account, how many jobs submitted directly (workflow_run null) are not
 * yet finished (ACCEPTED, PENDING, RUNNING), as migration 0008's partial indexes counted.
 * Triggers on `jobs` keep them in the transaction of each change (createRowCounters: owners
 * locked before accounts); 0008's partial indexes, now unused, go.
 */
export const m0010ActiveJobCounters: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await createRowCounters(db, {
      table: 'jobs',
      name: 'jobs_count',
      counts: (r) => `${r}.state IN ('ACCEPTED', 'PENDING', 'RUNNING') AND ${r}.workflow_run IS NULL`,
      countsReads: ['state', 'workflow_run'],
      counters: [
        { table: 'active_jobs_by_owner', keys: ['owner_issuer', 'owner_subject'] },
        { table: 'active_jobs_by_account', keys: ['account'] },
      ],
    });
    await sql`DROP INDEX jobs_active_owner`.execute(db);
    await sql`DROP INDEX jobs_active_account`.execute(db);
  },
};
