import type { JsonLd, RemoteDocument } from 'jsonld/jsonld-spec';
import roCrate11 from './contexts/ro-crate-1.1.json';
import workflowRun from './contexts/workflow-run.json';

/**
 * Offline copies of the JSON-LD contexts Cairn's crates name (the checks never reach the
 * network): the RO-Crate 1.1 context's terms the crates use (same IRIs as
 * https://w3id.org/ro/crate/1.1/context) and the workflow-run terms.
 */
export interface LocalContext {
  readonly name?: readonly string[];
  readonly '@context': Readonly<Record<string, string>>;
}

export const LOCAL_CONTEXTS: ReadonlyMap<string, LocalContext> = new Map<string, LocalContext>([
  ['https://w3id.org/ro/crate/1.1/context', roCrate11],
  ['https://w3id.org/ro/terms/workflow-run/context', workflowRun],
]);

/** A jsonld document loader that serves the local contexts and refuses every other URL. */
export async function documentLoader(url: string): Promise<RemoteDocument> {
  const context = LOCAL_CONTEXTS.get(url);
  if (!context) throw new Error(`no local copy of ${url} (the crate checks never fetch)`);
  const document: JsonLd = { '@context': { ...context['@context'] } };
  return { document, documentUrl: url };
}
