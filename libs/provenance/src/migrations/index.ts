import type { MigrationSet } from '@cairn/adapters/postgres';
import { m0001ProvenanceGraph } from './0001-provenance-graph';
import { m0002FilePrefixIndex } from './0002-file-prefix-index';

/** The provenance service's migrations (its own schema), recorded in their own table. */
export const provenanceMigrations: MigrationSet = {
  table: 'provenance_migrations',
  migrations: { '0001-provenance-graph': m0001ProvenanceGraph, '0002-file-prefix-index': m0002FilePrefixIndex },
};
