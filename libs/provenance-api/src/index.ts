/** The gateway's ProvenanceService: GetRunProvenance, Lineage, ExportRun and Rerun over gRPC, through the one door. */
export const PLACEHOLDER_PROVENANCE_API = true;
