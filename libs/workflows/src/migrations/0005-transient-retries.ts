import type { Kysely, Migration } from '@cairn/adapters/postgres';

/**
 * A step instance remembers a site (or the job service) that did not answer: how many
 * tries failed in a row, since when, and when to try again, so a restarted scheduler keeps
 * the backoff and the bound.
 */
export const m0005TransientRetries: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('workflow_nodes')
      .addColumn('transient_tries', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('transient_since', 'timestamptz')
      .addColumn('transient_retry_at', 'timestamptz')
      .execute();
  },
};
