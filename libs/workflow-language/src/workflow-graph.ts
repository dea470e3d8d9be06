import { hasOwnKey, ownValue } from '@cairn/contracts';
import { ConditionError, parseCondition } from './condition';
import type { PathProblem } from './workflow.errors';
import { findReferences, type Reference } from './templates';
import type { ParsedStep, ParsedWorkflow } from './workflow.schema';

type Path = (string | number)[];

/** Every templated string of a step, with where it sits. */
function templatedStrings(step: ParsedStep, at: Path): { value: string; path: Path }[] {
  const out: { value: string; path: Path }[] = [];
  step.command?.forEach((arg, i) => out.push({ value: arg, path: [...at, 'command', i] }));
  for (const [k, v] of Object.entries(step.env ?? {})) out.push({ value: v, path: [...at, 'env', k] });
  for (const [k, v] of Object.entries(step.inputs ?? {})) out.push({ value: v, path: [...at, 'inputs', k] });
  if (step.array?.from) out.push({ value: step.array.from, path: [...at, 'array', 'from'] });
  if (step.array?.lines) out.push({ value: step.array.lines, path: [...at, 'array', 'lines'] });
  if (step.array?.glob) out.push({ value: step.array.glob, path: [...at, 'array', 'glob'] });
  return out;
}

/**
 * The steps each step waits for, within one scope (the workflow, or one loop body):
 * `needs` plus every step whose outputs it references. A loop step also waits for what
 * its body references outside the body. In a loop body, a reference to the decide step's
 * output means the previous iteration's decision, so it is no dependency.
 */
export function dependencies(steps: Record<string, ParsedStep>, loopBody = false): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>();
  for (const [name, step] of Object.entries(steps)) {
    const mine = new Set(step.needs ?? []);
    for (const ref of referencesOf(step)) {
      if (ref.kind !== 'output' || !hasOwnKey(steps, ref.step) || ref.step === name) continue;
      if (loopBody && ownValue(steps, ref.step)?.decide) continue;
      mine.add(ref.step);
    }
    deps.set(name, mine);
  }
  return deps;
}

function referencesOf(step: ParsedStep): Reference[] {
  const refs: Reference[] = [];
  for (const { value } of templatedStrings(step, [])) {
    for (const found of findReferences(value)) if (found.reference) refs.push(found.reference);
  }
  for (const inner of Object.values(step.loop?.steps ?? {})) refs.push(...referencesOf(inner));
  return refs;
}

/** Steps in an order that respects dependencies (stable: file order among equals). */
export function topologicalOrder(steps: Record<string, ParsedStep>, loopBody = false): string[] {
  const deps = dependencies(steps, loopBody);
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < deps.size) {
    const ready = [...deps.keys()].find((n) => !done.has(n) && [...(deps.get(n) ?? [])].every((d) => done.has(d)));
    if (!ready) throw new Error('the steps have a cycle');
    done.add(ready);
    order.push(ready);
  }
  return order;
}

/** Graph problems: unknown steps and outputs, bad references, cycles, bad loop conditions. */
export function checkWorkflowGraph(workflow: ParsedWorkflow): PathProblem[] {
  const problems: PathProblem[] = [];
  checkScope(workflow.steps, ['steps'], [], workflow, problems);
  return problems;
}

function checkScope(
  steps: Record<string, ParsedStep>,
  at: Path,
  outer: Record<string, ParsedStep>[],
  workflow: ParsedWorkflow,
  problems: PathProblem[],
): void {
  const visible = [steps, ...outer];
  const find = (name: string) => ownValue(visible.find((scope) => hasOwnKey(scope, name)), name);
  for (const [name, step] of Object.entries(steps)) {
    const here: Path = [...at, name];
    if (!step.loop && !step.image && !workflow.defaults?.image) {
      problems.push({ path: [...here, 'command'], message: 'has no image: set image here or defaults.image' });
    }
    step.needs?.forEach((need, i) => {
      if (need === name) problems.push({ path: [...here, 'needs', i], message: 'a step cannot need itself' });
      else if (!hasOwnKey(steps, need)) problems.push({ path: [...here, 'needs', i], message: `unknown step "${need}"${known(steps)}` });
    });
    for (const { value, path } of templatedStrings(step, here)) {
      for (const found of findReferences(value)) {
        if (found.error) {
          problems.push({ path, message: found.error });
          continue;
        }
        const ref = found.reference;
        if (ref?.kind === 'item' && !step.array) problems.push({ path, message: '"${{ item }}" is only defined in a step with an array' });
        else if (ref?.kind === 'item' && ref.field !== undefined) {
          problems.push({ path, message: `"\${{ item.${ref.field} }}": items are scalars (text, numbers, booleans) and have no fields; use \${{ item }}` });
        }
        if (ref?.kind === 'loop' && outer.length === 0) problems.push({ path, message: '"${{ loop.iteration }}" is only defined inside a loop' });
        if (ref?.kind === 'param' && !hasOwnKey(workflow.params, ref.name)) problems.push({ path, message: `unknown parameter "${ref.name}"` });
        if (ref?.kind === 'output') {
          const target = find(ref.step);
          if (ref.step === name) problems.push({ path, message: 'a step cannot use its own outputs' });
          else if (!target) problems.push({ path, message: `unknown step "${ref.step}"` });
          else if (!hasOwnKey(target.outputs, ref.output)) {
            const outputs = Object.keys(target.outputs ?? {});
            problems.push({ path, message: `step "${ref.step}" has no output "${ref.output}"${outputs.length ? ` (it has ${outputs.join(', ')})` : ' (it declares no outputs)'}` });
          }
        }
      }
    }
    if (step.loop) {
      const loopAt = [...here, 'loop'];
      if (step.loop.until) {
        try {
          parseCondition(step.loop.until);
        } catch (error) {
          if (!(error instanceof ConditionError)) throw error;
          problems.push({ path: [...loopAt, 'until'], message: `not a condition: ${error.message}` });
        }
      }
      const metrics = step.loop.metrics ? findReferences(step.loop.metrics)[0]?.reference : undefined;
      if (metrics?.kind === 'output') {
        const source = ownValue(step.loop.steps, metrics.step);
        if (!source) problems.push({ path: [...loopAt, 'metrics'], message: `must be an output of a step inside the loop, not "${metrics.step}"` });
        else if (!hasOwnKey(source.outputs, metrics.output)) problems.push({ path: [...loopAt, 'metrics'], message: `step "${metrics.step}" has no output "${metrics.output}"` });
      }
      checkScope(step.loop.steps, [...loopAt, 'steps'], visible, workflow, problems);
    }
  }
  const cycle = findCycle(dependencies(steps, outer.length > 0));
  if (cycle) problems.push({ path: [...at, cycle[0] ?? ''], message: `steps form a cycle: ${cycle.join(' → ')}` });
}

function known(steps: Record<string, ParsedStep>): string {
  return `; steps here: ${Object.keys(steps).join(', ')}`;
}

/** A cycle as [a, b, ..., a], or undefined. */
export function findCycle(deps: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const dep of deps.get(node) ?? []) {
      if (!deps.has(dep)) continue;
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of deps.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}
