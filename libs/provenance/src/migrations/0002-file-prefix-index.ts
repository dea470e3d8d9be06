import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/** Files below a directory of a run, by id prefix (lineage walks from a directory a step used to the files in it). */
export const m0002FilePrefixIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`CREATE INDEX prov_nodes_file_prefix ON prov_nodes (id text_pattern_ops) WHERE type = 'file'`.execute(db);
  },
};
