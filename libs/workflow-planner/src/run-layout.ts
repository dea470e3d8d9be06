import { excerpt, hasOwnKey, ITEM_PLACEHOLDER, ownValue } from '@cairn/contracts';
import { type ParsedStep, type ParsedWorkflow, parseReference, replaceTemplates } from '@cairn/workflow-language';

/**
 * Where a run's step instances live and what their `${{ ... }}` references become.
 *
 * Keys: a step `train` at top level is "train"; in iteration 3 of loop `learn` it is
 * "learn[3].train" (its scope is "learn[3]"). On the site, every instance has a directory
 * under the run's directory, bound at /cairn/run in every container: "learn/3/train".
 */
export const RUN_MOUNT = '/cairn/run';

export class RenderError extends Error {
  override readonly name = 'RenderError';
}

export const nodeKey = (scope: string, name: string): string => (scope ? `${scope}.${name}` : name);
export const iterationScope = (loopKey: string, iteration: number): string => `${loopKey}[${iteration}]`;

/** "learn[3].train" → "learn/3/train". */
export const stepDirOf = (key: string): string => key.replace(/\[(\d+)\]/g, '/$1').replace(/\./g, '/');

/** "learn[3].train" → "learn.train". */
export const pathOfKey = (key: string): string => key.replace(/\[\d+\]/g, '');

/** The scope enclosing a scope: "outer[2].inner[1]" → "outer[2]"; "learn[3]" → "". */
export function parentScope(scope: string): string {
  const dot = scope.lastIndexOf('.');
  return dot < 0 ? '' : scope.slice(0, dot);
}

/** The innermost iteration of a scope, 0 at top level. */
export function iterationOf(scope: string): number {
  const match = /\[(\d+)\]$/.exec(scope);
  return match ? Number(match[1]) : 0;
}

/** The steps of a scope: the workflow's, or a loop body's. */
export function scopeSteps(workflow: ParsedWorkflow, scope: string): Record<string, ParsedStep> {
  let steps = workflow.steps;
  if (!scope) return steps;
  for (const segment of scope.split('.')) {
    const name = segment.replace(/\[\d+\]$/, '');
    const loop = ownValue(steps, name)?.loop;
    if (!loop) throw new RenderError(`scope "${scope}" names no loop "${name}"`);
    steps = loop.steps;
  }
  return steps;
}

export function stepOf(workflow: ParsedWorkflow, key: string): ParsedStep {
  const scope = parentScope(key);
  const name = key.slice(scope ? scope.length + 1 : 0);
  const step = ownValue(scopeSteps(workflow, scope), name);
  if (!step) throw new RenderError(`no step "${key}" in workflow ${workflow.name}`);
  return step;
}

export interface Location {
  /** The instance that writes it. */
  key: string;
  /** Relative to the run directory. */
  path: string;
  /** An array step's output: the step's directory, items below it as <index>/<path>. */
  isArrayStep: boolean;
}

/**
 * Where `steps.<step>.outputs.<output>` points, seen from an instance in `scope`: the
 * nearest enclosing scope that has the step; a decide step's output seen from its own loop
 * body is the previous iteration's (iteration 0 never exists: the first iteration starts
 * without a decision).
 */
export function outputLocation(workflow: ParsedWorkflow, scope: string, from: string, step: string, output: string): Location {
  let at = scope;
  for (;;) {
    if (hasOwnKey(scopeSteps(workflow, at), step)) break;
    if (!at) throw new RenderError(`unknown step "${step}"`);
    at = parentScope(at);
  }
  const target = ownValue(scopeSteps(workflow, at), step) as ParsedStep;
  const relative = ownValue(target.outputs, output);
  if (relative === undefined) throw new RenderError(`step "${step}" has no output "${output}"`);
  let targetScope = at;
  if (target.decide && at === scope && at !== '' && step !== from) {
    targetScope = at.replace(/\[(\d+)\]$/, (_, n: string) => `[${Number(n) - 1}]`);
  }
  const key = nodeKey(targetScope, step);
  const dir = stepDirOf(key);
  return target.array ? { key, path: dir, isArrayStep: true } : { key, path: `${dir}/${relative}`.replace(/\/+$/, ''), isArrayStep: false };
}

/**
 * Replaces the references in one command argument or env value for the instance `key`.
 * `${{ item }}` stays for the agent to fill per item; nothing is evaluated.
 */
export function renderValue(value: string, workflow: ParsedWorkflow, key: string): string {
  const scope = parentScope(key);
  const name = key.slice(scope ? scope.length + 1 : 0);
  return replaceTemplates(value, (text) => {
    const ref = parseReference(text);
    if (!ref) throw new RenderError(`unknown reference ${excerpt(`\${{ ${text} }}`)}`);
    switch (ref.kind) {
      case 'item':
        if (ref.field !== undefined) throw new RenderError(`"\${{ item.${ref.field} }}": item fields are not supported yet; use \${{ item }}`);
        return ITEM_PLACEHOLDER;
      case 'param': {
        const param = ownValue(workflow.params, ref.name);
        if (param === undefined) throw new RenderError(`unknown parameter "${ref.name}"`);
        return String(param);
      }
      case 'loop':
        if (!scope) throw new RenderError('"${{ loop.iteration }}" outside a loop');
        return String(iterationOf(scope));
      case 'output':
        return `${RUN_MOUNT}/${outputLocation(workflow, scope, name, ref.step, ref.output).path}`;
    }
  });
}

/** The step instances of one scope (the top level, or a loop iteration), in file order. */
export function scopeNodes(workflow: ParsedWorkflow, scope: string): { key: string; path: string; scope: string; iteration: number; kind: 'run' | 'array' | 'loop' }[] {
  return Object.entries(scopeSteps(workflow, scope)).map(([name, step]) => {
    const key = nodeKey(scope, name);
    return { key, path: pathOfKey(key), scope, iteration: iterationOf(scope), kind: step.loop ? 'loop' : step.array ? 'array' : 'run' };
  });
}
