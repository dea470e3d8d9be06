import type { MigrationSet } from '@cairn/adapters/postgres';
import { m0001ProvenanceGraph } from './0001-provenance-graph';

/** The provenance service's migrations (its own schema), recorded in their own table. */
export const provenanceMigrations: MigrationSet = {
  table: 'provenance_migrations',
  migrations: { '0001-provenance-graph': m0001ProvenanceGraph },
};
