import { createRowCounters, type Kysely, type Migration } from '@cairn/adapters/postgres';

/**
 * The workflow run limits' counts kept as counters (as the jobs' migration 0010):
 * `running_runs_by_owner` and `running_runs_by_account` hold how many runs are RUNNING per
 * owner and per account, kept by triggers on `workflow_runs` in the transaction of each
 * change. A submission reads them after inserting its run, in the same transaction, so
 * submissions that arrive together are counted exactly (WorkflowStore.insertRun).
 */
export const m0009RunningRunCounters: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await createRowCounters(db, {
      table: 'workflow_runs',
      name: 'workflow_runs_count',
      counts: (r) => `${r}.state = 'RUNNING'`,
      countsReads: ['state'],
      counters: [
        { table: 'running_runs_by_owner', keys: ['owner_issuer', 'owner_subject'] },
        { table: 'running_runs_by_account', keys: ['account'] },
      ],
    });
  },
};
