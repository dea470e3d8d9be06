import type { Kysely, Migration } from '@cairn/adapters/postgres';

/** Array steps remember how long their items ran (median seconds), to pack the next ones. */
export const m0003ItemSeconds: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('workflow_nodes').addColumn('item_seconds', 'double precision').execute();
  },
};
