/** Pure builders of a run's W3C PROV-JSON and Workflow Run RO-Crate (Provenance Run Crate) from its graph, and the crate's zip stream. */
export const PLACEHOLDER_PROVENANCE_EXPORT = true;
