/** The contexts, profiles and fixed contextual entities of Cairn's Provenance Run Crates. */

export const RO_CRATE_CONTEXT_URL = 'https://w3id.org/ro/crate/1.1/context';
export const WORKFLOW_RUN_CONTEXT_URL = 'https://w3id.org/ro/terms/workflow-run/context';
export const WORKFLOW_RUN_TERMS = 'https://w3id.org/ro/terms/workflow-run#';

export const PROFILES = {
  process: { id: 'https://w3id.org/ro/wfrun/process/0.5', name: 'Process Run Crate', version: '0.5' },
  workflow: { id: 'https://w3id.org/ro/wfrun/workflow/0.5', name: 'Workflow Run Crate', version: '0.5' },
  provenance: { id: 'https://w3id.org/ro/wfrun/provenance/0.5', name: 'Provenance Run Crate', version: '0.5' },
  workflowRoCrate: { id: 'https://w3id.org/workflowhub/workflow-ro-crate/1.0', name: 'Workflow RO-Crate', version: '1.0' },
} as const;

export const RO_CRATE_SPEC = 'https://w3id.org/ro/crate/1.1';
export const FORMAL_PARAMETER_PROFILE = 'https://bioschemas.org/profiles/FormalParameter/1.0-RELEASE';
export const PROV_JSON_SPEC = 'https://www.w3.org/Submission/2013/SUBM-prov-json-20130424/';

export const METADATA_FILE = 'ro-crate-metadata.json';
export const PROV_FILE = 'prov.json';
/** Names the workflow file may not take in the crate. */
export const RESERVED_FILES = new Set([METADATA_FILE, 'ro-crate-preview.html', PROV_FILE]);

export const ENGINE_ID = '#cairn';
export const LANGUAGE_ID = '#cairn-workflow-language';
export const LICENSE_ID = '#license';

export type JsonLdValue = string | number | boolean | { '@id': string } | readonly JsonLdValue[] | { readonly [key: string]: JsonLdValue };
export type JsonLdEntity = { '@id': string; '@type': string | readonly string[] } & { [key: string]: JsonLdValue };

export const ref = (id: string): { '@id': string } => ({ '@id': id });
