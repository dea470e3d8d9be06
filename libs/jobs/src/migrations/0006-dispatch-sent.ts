import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/**
 * When the scheduler first sent a job's attempt to its agent (before the agent's reply,
 * which may come after the agent's first events). Events are accepted only for attempts
 * sent. Jobs that already went past ACCEPTED, or were marked dispatched, count as sent.
 */
export const m0006DispatchSent: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('jobs').addColumn('dispatch_sent_at', 'timestamptz').execute();
    await sql`UPDATE jobs SET dispatch_sent_at = coalesce(dispatched_at, updated_at) WHERE dispatched_at IS NOT NULL OR state <> 'ACCEPTED'`.execute(db);
  },
};
