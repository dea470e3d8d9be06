import { StepKind, StepState, type StepPlan, type Workflow, type WorkflowPlan, type WorkflowStep } from '@cairn/portal-client';
import type { DagEdge, DagNode } from './dag-layout';

/** The most nodes a drawing holds: past it the oldest loop iterations are left out (the table has them all). */
export const MAX_DAG_NODES = 150;

/** Nodes and edges to draw, and how many step instances were left out of the drawing. */
export interface DagModel {
  nodes: DagNode[];
  edges: DagEdge[];
  /** Step instances not drawn (oldest loop iterations, past MAX_DAG_NODES). */
  hidden: number;
}

interface Flat {
  plan: StepPlan;
  /** The plan of the loop whose body holds this step, if any. */
  parent?: StepPlan;
}

function flatten(steps: readonly StepPlan[], into = new Map<string, Flat>(), parent?: StepPlan): Map<string, Flat> {
  for (const plan of steps) {
    if (!into.has(plan.path)) into.set(plan.path, parent === undefined ? { plan } : { plan, parent });
    if (plan.loop) flatten(plan.loop.steps, into, plan);
  }
  return into;
}

/** The last segment of a dotted path or key: "learn.train" → "train". */
function lastName(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? path : path.slice(dot + 1);
}

/** The scope of a key: "learn[2].train" → "learn[2]"; "" at the top. */
function scopeOf(key: string): string {
  const dot = key.lastIndexOf('.');
  return dot < 0 ? '' : key.slice(0, dot);
}

function keyIn(scope: string, name: string): string {
  return scope === '' ? name : `${scope}.${name}`;
}

/** A loop body's first steps (needing nothing in the body) and last ones (nothing in the body needs them). */
function bodyEnds(loop: StepPlan): { roots: string[]; leaves: string[] } {
  const body = loop.loop?.steps ?? [];
  const needed = new Set(body.flatMap((s) => s.needs));
  return {
    roots: body.filter((s) => s.needs.length === 0).map((s) => lastName(s.path)),
    leaves: body.filter((s) => !needed.has(s.path)).map((s) => lastName(s.path)),
  };
}

/** The second line of a step instance's box: item counts, attempts, iterations. */
export function stepDetail(step: WorkflowStep, iterations = 0): string | undefined {
  const parts: string[] = [];
  if (step.kind === StepKind.ARRAY && step.items) {
    parts.push(`${step.items.succeeded}/${step.items.total} items`);
    if (step.items.failed > 0) parts.push(`${step.items.failed} failed`);
  }
  if (step.kind === StepKind.LOOP) parts.push(`loop, ${iterations} iteration${iterations === 1 ? '' : 's'}`);
  if (step.attempt > 1 && step.kind !== StepKind.LOOP) parts.push(`attempt ${step.attempt}`);
  return parts.length === 0 ? undefined : parts.join(', ');
}

/** Where a step instance links: its latest job. */
export function stepHref(step: WorkflowStep): string | undefined {
  const job = step.jobIds.at(-1);
  return job === undefined || job === '' ? undefined : `/jobs/${encodeURIComponent(job)}`;
}

/**
 * The drawing of a run: one node per step instance (a step inside a loop has one per
 * iteration, keyed "learn[2].train"), edges from each step's needs (from the run's plan).
 * A loop's iterations are chained: the loop's needs lead to the first iteration's first
 * steps, each iteration's last steps to the next iteration's first, and the last
 * iteration to the loop's own node (which the steps needing the loop follow).
 * Past MAX_DAG_NODES the oldest loop iterations' instances are left out.
 */
export function workflowToDag(workflow: Workflow, maxNodes = MAX_DAG_NODES): DagModel {
  const plans = flatten(workflow.plan?.steps ?? []);
  let steps = dedupe(workflow.steps);
  let hidden = 0;
  if (steps.length > maxNodes) {
    const dropping = new Set<WorkflowStep>();
    for (const step of steps) {
      if (steps.length - dropping.size <= maxNodes) break;
      if (step.iteration > 0) dropping.add(step);
    }
    hidden = dropping.size;
    steps = steps.filter((s) => !dropping.has(s));
  }
  const present = new Set(steps.map((s) => s.key));
  const iterationsOf = new Map<string, number>();
  for (const it of workflow.iterations) iterationsOf.set(it.loop, Math.max(iterationsOf.get(it.loop) ?? 0, it.iteration));

  const nodes: DagNode[] = steps.map((step) => {
    const detail = stepDetail(step, iterationsOf.get(step.key) ?? 0);
    const href = stepHref(step);
    return {
      id: step.key,
      label: step.key,
      state: StepState[step.state] ?? 'UNSPECIFIED',
      ...(detail === undefined ? {} : { detail }),
      ...(href === undefined ? {} : { href }),
    };
  });
  const edges: DagEdge[] = [];
  const add = (from: string, to: string) => {
    if (present.has(from) && present.has(to)) edges.push({ from, to });
  };
  for (const step of steps) {
    const plan = plans.get(step.path)?.plan;
    if (plan === undefined) continue;
    const scope = scopeOf(step.key);
    const needKeys = plan.needs.map((need) => keyIn(scope, lastName(need)));
    if (plan.kind !== StepKind.LOOP) {
      for (const need of needKeys) add(need, step.key);
      continue;
    }
    // A loop: chain its iterations present in the drawing, then the loop's own node.
    const { roots, leaves } = bodyEnds(plan);
    const numbers = [...new Set(steps.filter((s) => isIterationOf(s.key, step.key)).map((s) => iterationNumber(s.key, step.key)))].sort((a, b) => a - b);
    let before = needKeys;
    for (const n of numbers) {
      const iterationScope = `${step.key}[${n}]`;
      for (const root of roots) for (const from of before) add(from, keyIn(iterationScope, root));
      before = leaves.map((leaf) => keyIn(iterationScope, leaf));
    }
    for (const from of before) add(from, step.key);
  }
  return { nodes, edges, hidden };
}

function dedupe(steps: readonly WorkflowStep[]): WorkflowStep[] {
  const byKey = new Map<string, WorkflowStep>();
  for (const step of steps) byKey.set(step.key, step);
  return [...byKey.values()];
}

/** Whether `key` is an instance directly inside an iteration of the loop instance `loopKey`. */
function isIterationOf(key: string, loopKey: string): boolean {
  return key.startsWith(`${loopKey}[`) && /^\d+$/.test(key.slice(loopKey.length + 1, key.indexOf(']', loopKey.length)));
}

function iterationNumber(key: string, loopKey: string): number {
  return Number(key.slice(loopKey.length + 1, key.indexOf(']', loopKey.length)));
}

/** The second line of a planned step's box: where and how it runs. */
export function planDetail(plan: StepPlan): string | undefined {
  switch (plan.kind) {
    case StepKind.LOOP:
      return `loop, at most ${plan.loop?.maxIterations ?? 0} iterations`;
    case StepKind.ARRAY: {
      const items = plan.array?.items;
      const jobs = plan.array?.arrays.length ?? 0;
      return `array, ${items === undefined ? 'items at run time' : `${items} items`}, ${jobs} Slurm job${jobs === 1 ? '' : 's'}`;
    }
    case StepKind.RUN:
    case StepKind.UNSPECIFIED: {
      const r = plan.resources;
      if (!r) return undefined;
      return [r.partition, `${r.cpus} CPU${r.cpus === 1 ? '' : 's'}`, r.gpus > 0 ? `${r.gpus} GPU${r.gpus === 1 ? '' : 's'}` : ''].filter((s) => s !== '').join(', ');
    }
  }
}

/**
 * The drawing of a plan (a dry run): one node per planned step (loop bodies once, by
 * path: "learn.train"), no state; edges from needs, a loop's needs to its body's first
 * steps and its body's last steps to the loop's node.
 */
export function planToDag(plan: WorkflowPlan, maxNodes = MAX_DAG_NODES): DagModel {
  const all = [...flatten(plan.steps).values()].map((f) => f.plan);
  const shown = all.slice(0, maxNodes);
  const present = new Set(shown.map((s) => s.path));
  const edges: DagEdge[] = [];
  const add = (from: string, to: string) => {
    if (present.has(from) && present.has(to) && from !== to) edges.push({ from, to });
  };
  for (const step of shown) {
    if (step.kind !== StepKind.LOOP) {
      for (const need of step.needs) add(need, step.path);
      continue;
    }
    const { roots, leaves } = bodyEnds(step);
    for (const root of roots) for (const need of step.needs) add(need, keyIn(step.path, root));
    if (leaves.length === 0) for (const need of step.needs) add(need, step.path);
    for (const leaf of leaves) add(keyIn(step.path, leaf), step.path);
  }
  const nodes = shown.map((step): DagNode => {
    const detail = planDetail(step);
    return { id: step.path, label: step.path, ...(detail === undefined ? {} : { detail }) };
  });
  return { nodes, edges, hidden: all.length - shown.length };
}
