import { Checker, ROCrate } from 'ro-crate';
import { LOCAL_CONTEXTS } from './contexts';

interface ValidatorResult {
  id?: string;
  status?: string;
  message?: string;
  entity?: string;
}

/**
 * The base RO-Crate checks of the `ro-crate` package (its Checker and Validator): root data
 * entity with its required properties, dates, license, and (given the zip's files) that every
 * local data entity is in the crate. The package fetches the @context to check it; these
 * checks run offline on the crate with its contexts inlined from the local copies, and check
 * the context by name instead.
 */
export function roCrateBaseProblems(metadata: unknown, files?: ReadonlyMap<string, Buffer>): string[] {
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) return ['ro-crate: the metadata is not a JSON object'];
  const json = metadata as Record<string, unknown>;
  const problems: string[] = [];
  const contexts = Array.isArray(json['@context']) ? (json['@context'] as unknown[]) : [json['@context']];
  const first = contexts[0];
  if (typeof first !== 'string' || !LOCAL_CONTEXTS.get(first)?.name?.includes('RO-Crate JSON-LD Context')) problems.push(`ro-crate: the first @context is not the RO-Crate 1.1 context (${String(first)})`);
  const inlined = contexts.map((c) => (typeof c === 'string' ? (LOCAL_CONTEXTS.get(c)?.['@context'] ?? c) : c));

  let crate: ROCrate;
  try {
    crate = new ROCrate({ ...json, '@context': inlined }, { array: true, link: true });
  } catch (error) {
    return [...problems, `ro-crate: cannot read the crate: ${error instanceof Error ? error.message : String(error)}`];
  }
  const checker = new Checker(crate);
  for (const item of [checker.hasRootDataset(), checker.hasRootDatasetWithProperID(), checker.hasName(), checker.hasDescription(), checker.hasLicense(), checker.hasDatePublished()]) {
    if (!item.status) problems.push(`ro-crate: ${String(item.name)}: ${String(item.message)}`);
  }
  const validator = checker.validator;
  validator.rootDataEntity();
  if (files) {
    const references: Record<string, { exists: boolean; isDir: boolean }> = {};
    for (const path of files.keys()) references[path] = { exists: true, isDir: path.endsWith('/') };
    validator.checkFiles(references, crate);
  }
  const results: readonly ValidatorResult[] = validator.results;
  for (const r of results) {
    if (r.status === 'error') problems.push(`ro-crate: ${r.id ?? ''}: ${r.message ?? ''}${r.entity ? ` (${r.entity})` : ''}`);
    // A file in the zip the crate does not describe.
    if (r.status === 'warning' && r.id === 'validCrateDataEntityInCrateDir' && r.entity !== 'ro-crate-metadata.json') problems.push(`ro-crate: ${r.message ?? ''} (${r.entity ?? ''})`);
  }
  return problems;
}
