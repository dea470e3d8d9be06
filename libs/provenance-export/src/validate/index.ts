/**
 * The checks of Cairn's exports against their specifications, for tests (unit and e2e):
 * PROV-JSON against the W3C PROV-JSON JSON Schema (ajv) and through python3-prov; the
 * crate's JSON-LD → RDF against SHACL shapes of the Provenance Run Crate profile
 * (rdf-validate-shacl) and the `ro-crate` package's base checks. These use devDependencies:
 * import them from tests only, never from runtime code (src/index.ts does not export them).
 */
import { roCrateBaseProblems } from './crate-base';
import { shaclResults } from './crate-shacl';

export { validateProvJson } from './prov-schema';
export { provRoundTrip, PYTHON, statedCounts, statedRelations, type ProvRoundTrip } from './prov-roundtrip';
export { CRATE_BASE, crateQuads, shaclResults, type ShaclResult } from './crate-shacl';
export { roCrateBaseProblems } from './crate-base';
export { documentLoader, LOCAL_CONTEXTS } from './contexts';
export { unzipEntries } from './unzip';

/**
 * Checks a crate's ro-crate-metadata.json: SHACL violations (MUST rules) and the ro-crate
 * package's errors; with the zip's files, also that every local data entity is in the zip and
 * every file is described. Resolves with the problems; [] = valid. SHOULD rules (SHACL
 * warnings) are in crateWarnings.
 */
export async function validateCrate(metadata: unknown, files?: ReadonlyMap<string, Buffer>): Promise<string[]> {
  const shacl = (await shaclResults(metadata)).filter((r) => r.severity === 'Violation').map((r) => `shacl: ${r.focusNode} ${r.path}: ${r.message}`);
  return [...shacl, ...roCrateBaseProblems(metadata, files)];
}

/** The SHOULD rules the crate misses (SHACL warnings). */
export async function crateWarnings(metadata: unknown): Promise<string[]> {
  return (await shaclResults(metadata)).filter((r) => r.severity !== 'Violation').map((r) => `shacl: ${r.focusNode} ${r.path}: ${r.message}`);
}
