import { absolutePath, ITEM_PLACEHOLDER, RUN_PATH, type WorkflowRunDir } from '@cairn/contracts';
import { findReferences, type ParsedWorkflow } from '@cairn/workflow-language';
import { outputLocation, parentScope, RenderError, renderValue, RUN_MOUNT, stepOf } from './run-layout';

/** Most declared outputs and inputs a job names for hashing, and earlier outputs it uses (workflowRunDirSchema). */
export const MAX_DECLARED_FILES = 64;
export const MAX_USES = 256;
const MAX_PATH_BYTES = 1024;

const isRunPath = (path: string): boolean => RUN_PATH.test(path) && Buffer.byteLength(path) <= MAX_PATH_BYTES;
/** "./a//b/" → "a/b": the same file as the run dir names it. */
const normalized = (path: string): string =>
  path
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
const unique = (paths: readonly string[], max: number): string[] => [...new Set(paths)].slice(0, max);

/**
 * What provenance needs of a step instance's job (docs/provenance.md), in its run dir:
 * - `outputs`: the step's declared outputs, relative to its directory (for an array step,
 *   to each item's directory, `<stepDir>/<index>`), which the wrapper hashes;
 * - `inputs`: declared inputs that name absolute paths outside the run (after `params`
 *   are filled in), which the wrapper hashes before the command runs;
 * - `uses`: the earlier steps' outputs the instance refers to (in its command, env,
 *   inputs and `array.from`), relative to the run's directory ("prepare/pool.npz",
 *   "learn/2/train/model.npz"; an array step's output is its directory, "sweep").
 * A path outside the run dir's alphabet or limits is left out (never hashed or linked),
 * so a declaration can never make the job's spec invalid.
 */
export function stepProvenance(workflow: ParsedWorkflow, key: string): Pick<WorkflowRunDir, 'outputs' | 'inputs' | 'uses'> {
  const step = stepOf(workflow, key);
  const scope = parentScope(key);
  const name = key.slice(scope ? scope.length + 1 : 0);
  const outputs = unique(
    Object.values(step.outputs ?? {})
      .map(normalized)
      .filter(isRunPath),
    MAX_DECLARED_FILES,
  );
  const uses: string[] = [];
  const inputs: string[] = [];
  const referred = [...(step.command ?? []), ...Object.values(step.env ?? {}), ...Object.values(step.inputs ?? {}), ...(step.array?.from ? [step.array.from] : [])];
  for (const value of referred) {
    for (const { reference } of findReferences(value)) {
      if (reference?.kind !== 'output') continue;
      const location = safely(() => outputLocation(workflow, scope, name, reference.step, reference.output));
      // A decide step's output seen from a loop's first iteration: iteration 0 never runs.
      const path = location && !/\[0\]/.test(location.key) ? normalized(location.path) : '';
      if (isRunPath(path)) uses.push(path);
    }
  }
  for (const value of Object.values(step.inputs ?? {})) {
    const rendered = safely(() => renderValue(value, workflow, key));
    if (!rendered || rendered.includes(ITEM_PLACEHOLDER)) continue;
    if (rendered.startsWith(`${RUN_MOUNT}/`)) continue; // inside the run: an output reference, in `uses`
    if (absolutePath.safeParse(rendered).success) inputs.push(rendered);
  }
  return {
    ...(outputs.length > 0 ? { outputs } : {}),
    ...(inputs.length > 0 ? { inputs: unique(inputs, MAX_DECLARED_FILES) } : {}),
    ...(uses.length > 0 ? { uses: unique(uses, MAX_USES) } : {}),
  };
}

function safely<T>(compute: () => T): T | undefined {
  try {
    return compute();
  } catch (error) {
    if (error instanceof RenderError) return undefined;
    throw error;
  }
}
