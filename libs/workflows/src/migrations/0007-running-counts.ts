import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/** Partial indexes for the per-person and per-project limits on running workflow runs (libs/access, run-limits). */
export const m0007RunningCounts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`CREATE INDEX workflow_runs_running_owner ON workflow_runs (owner_issuer, owner_subject) WHERE state = 'RUNNING'`.execute(db);
    await sql`CREATE INDEX workflow_runs_running_account ON workflow_runs (account) WHERE state = 'RUNNING'`.execute(db);
  },
};
