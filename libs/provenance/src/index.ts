/** The provenance service: consumes job, run and image events into a W3C PROV graph in PostgreSQL; answers run graphs, lineage and run sources (docs/provenance.md). */
export { provenanceMigrations } from './migrations';
export type { ProvenanceDb } from './provenance.tables';
export { PROVENANCE_SCHEMA } from './provenance.tables';
export { GraphStore } from './graph.store';
export { ProvenanceQueries, LINEAGE_RELATIONS, MAX_WALK_NODES } from './provenance-queries';
export { ProvenanceIngest } from './provenance-ingest';
export { parseEvent } from './event-parsing';
export type { ProvStream } from './event-parsing';
export { ProvenanceModule, openProvenanceDatabase, ProvenanceDatabaseCloser } from './provenance.module';
export type { ProvenanceModuleOptions } from './provenance.module';
export { provenanceSettings } from './provenance-settings';
export { nodeId } from './graph-ids';
