/** The gateway's ProvenanceService: GetRunProvenance, Lineage, ExportRun and Rerun over gRPC, through the one door. */
export { provenanceBinding } from './provenance-binding';
export type { ProvenanceApiOptions } from './provenance-binding';
