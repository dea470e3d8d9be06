import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonld from 'jsonld';
import { Parser, type Quad } from 'n3';
import { documentLoader } from './contexts';

/** The base the crate's relative ids (./, #run, workflow.yaml) resolve against; the shapes name it. */
export const CRATE_BASE = 'arcp://name,cairn-crate/';
const SHAPES = join(__dirname, 'shapes', 'provenance-run-crate.ttl');

export interface ShaclResult {
  severity: 'Violation' | 'Warning' | 'Info';
  focusNode: string;
  path: string;
  message: string;
}

/** The crate's JSON-LD as RDF quads: offline contexts, safe mode (an unknown term or a dropped value is an error). */
export async function crateQuads(metadata: unknown): Promise<Quad[]> {
  // `safe` (jsonld 6+) is not in @types/jsonld 1.5.
  const options: jsonld.Options.ToRdf & { safe: boolean } = { format: 'application/n-quads', base: CRATE_BASE, documentLoader, safe: true };
  const nquads = await jsonld.toRDF(metadata as jsonld.JsonLdDocument, options);
  if (typeof nquads !== 'string') throw new Error('jsonld did not return N-Quads');
  return new Parser({ format: 'N-Quads' }).parse(nquads);
}

/** Every SHACL result of the crate against the Provenance Run Crate shapes (src/validate/shapes). */
export async function shaclResults(metadata: unknown): Promise<ShaclResult[]> {
  const { default: rdf } = await import('rdf-ext');
  const { default: SHACLValidator } = await import('rdf-validate-shacl');
  const shapes = rdf.dataset(new Parser({ format: 'text/turtle' }).parse(readFileSync(SHAPES, 'utf8')));
  const data = rdf.dataset(await crateQuads(metadata));
  const report = await new SHACLValidator(shapes).validate(data);
  return report.results.map((r) => ({
    severity: (r.severity?.value.split('#').pop() ?? 'Violation') as ShaclResult['severity'],
    focusNode: r.focusNode?.value ?? '',
    path: r.path && 'value' in r.path ? String(r.path.value) : '',
    message: r.message.map((m) => m.value).join('; '),
  }));
}
