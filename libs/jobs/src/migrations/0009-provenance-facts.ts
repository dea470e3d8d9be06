import type { Kysely, Migration } from '@cairn/adapters/postgres';

/**
 * Provenance (issue 11): a transition (the outbox of CAIRN_JOB_EVENTS) keeps what its event
 * carries besides the state change: `facts` on the ACCEPTED transition (what the job is:
 * owner, image and digest, command, resources, its workflow run), `run` on the RUNNING and
 * final ones (what the wrapper measured where it ran). Null for transitions recorded before.
 */
export const m0009ProvenanceFacts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('job_transitions').addColumn('facts', 'jsonb').addColumn('run', 'jsonb').execute();
  },
};
