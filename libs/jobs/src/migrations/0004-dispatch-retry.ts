import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/**
 * Per-job retry state for handing a job (or its cancel) to the agent: a job whose site is
 * unreachable waits for its own next try, so it never holds back jobs of other sites.
 */
export const m0004DispatchRetry: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('jobs')
      .addColumn('dispatch_tries', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('dispatch_next_at', 'timestamptz')
      .addColumn('cancel_tries', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('cancel_next_at', 'timestamptz')
      .execute();
    await sql`CREATE INDEX jobs_undispatched ON jobs (dispatch_next_at NULLS FIRST, created_at) WHERE state = 'ACCEPTED' AND dispatched_at IS NULL`.execute(db);
  },
};
