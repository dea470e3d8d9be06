/** The provenance service: consumes job, run and image events into a W3C PROV graph in PostgreSQL; answers run graphs, lineage and run sources (docs/provenance.md). */
export const PLACEHOLDER_PROVENANCE = true;
