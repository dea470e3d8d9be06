import type { Kysely, Migration } from '@cairn/adapters/postgres';

/**
 * Provenance (issue 11): the run a run re-ran (ProvenanceService.Rerun), returned in its
 * record (GetWorkflow's rerun_of). Null for every other run and for runs recorded before.
 */
export const m0008RerunOf: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('workflow_runs').addColumn('rerun_of', 'uuid').execute();
  },
};
