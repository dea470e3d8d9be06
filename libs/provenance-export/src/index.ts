/**
 * Pure builders of a run's W3C PROV-JSON and Workflow Run RO-Crate (Provenance Run Crate)
 * from its graph, and the crate's zip stream (docs/provenance.md, "Exports"). The checks of
 * both against their specifications live in ./validate (test-only dependencies).
 */
export { encodeId, NODE_NAMESPACE, nodeIri, normalizeGraph, TERMS_NAMESPACE, type RunGraph, type RunSource } from './graph';
export { PROV_JSON_PREFIXES, toProvJson, type ProvJsonDocument, type ProvLiteral, type ProvRecord, type ProvTypedLiteral, type ProvValue } from './prov-json';
export { imageParts, roCrateEntries, roCrateMetadata, workflowPath, type CrateEntry } from './ro-crate';
export { PROFILES, RO_CRATE_CONTEXT_URL, WORKFLOW_RUN_CONTEXT_URL, type JsonLdEntity } from './ro-crate-terms';
export { EXPORT_CHUNK_BYTES, exportChunks, exportMeta, rechunk, zipStream, type ExportFormat } from './export';
