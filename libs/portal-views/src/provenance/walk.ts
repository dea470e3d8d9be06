/** Which way a lineage walk goes. */
export type Direction = 'upstream' | 'downstream';

/** Relations a walk follows at most (the API's limit) and by default. */
export const MAX_DEPTH = 50;
export const DEFAULT_DEPTH = 3;
/** Crumbs kept: the run and the latest walks. */
export const MAX_CRUMBS = 12;

/** One place in a walk: the run's whole graph, or a lineage from a node or a file hash. */
export type WalkStep =
  | { readonly kind: 'run'; readonly runId: string }
  | { readonly kind: 'node'; readonly nodeId: string; readonly label: string; readonly direction: Direction; readonly depth: number }
  | { readonly kind: 'sha256'; readonly sha256: string; readonly label: string; readonly direction: Direction; readonly depth: number };

/** The breadcrumb: where the walk started (the run) and each step since; the last is shown. */
export interface Walk {
  readonly steps: readonly WalkStep[];
}

export const startWalk = (runId: string): Walk => ({ steps: [{ kind: 'run', runId }] });

export function current(walk: Walk): WalkStep {
  const last = walk.steps.at(-1);
  if (last === undefined) throw new Error('a walk always has its run');
  return last;
}

/** A depth from an input: a whole number in 1..MAX_DEPTH (anything else: the nearest, or the default). */
export function clampDepth(value: number): number {
  if (!Number.isFinite(value)) return DEFAULT_DEPTH;
  return Math.min(MAX_DEPTH, Math.max(1, Math.round(value)));
}

const same = (a: WalkStep, b: WalkStep): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Walks on: the new step becomes the last crumb. Going to a place already in the
 * breadcrumb goes back to it (the crumbs after it are dropped); past MAX_CRUMBS the
 * oldest walks (never the run) are dropped.
 */
export function walkTo(walk: Walk, step: WalkStep): Walk {
  const fixed: WalkStep = step.kind === 'run' ? step : { ...step, depth: clampDepth(step.depth) };
  const at = walk.steps.findIndex((s) => same(s, fixed));
  if (at >= 0) return { steps: walk.steps.slice(0, at + 1) };
  const steps = [...walk.steps, fixed];
  if (steps.length <= MAX_CRUMBS) return { steps };
  return { steps: [steps[0] as WalkStep, ...steps.slice(steps.length - (MAX_CRUMBS - 1))] };
}

/** Back to the crumb at `index` (out of range: no change). */
export function backTo(walk: Walk, index: number): Walk {
  if (!Number.isInteger(index) || index < 0 || index >= walk.steps.length) return walk;
  return { steps: walk.steps.slice(0, index + 1) };
}

/** The current walk again with another depth (the run's graph has none). */
export function withDepth(walk: Walk, depth: number): Walk {
  const last = current(walk);
  if (last.kind === 'run') return walk;
  return { steps: [...walk.steps.slice(0, -1), { ...last, depth: clampDepth(depth) }] };
}

const short = (text: string, max = 40): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** What a crumb says: "Run 1f3c…", "Upstream of model.npz (depth 3)", "Runs that used sha256 9f86d0…". */
export function crumbLabel(step: WalkStep): string {
  if (step.kind === 'run') return `Run ${short(step.runId, 13)}`;
  const way = step.direction === 'upstream' ? 'Upstream of' : 'Downstream of';
  if (step.kind === 'node') return `${way} ${short(step.label)} (depth ${step.depth})`;
  return `Runs that used ${short(step.label)} (sha256 ${step.sha256.slice(0, 12)}…, depth ${step.depth})`;
}

/** A key for what a step loads (the run's graph, or one lineage query). */
export function stepKey(step: WalkStep): readonly unknown[] {
  if (step.kind === 'run') return ['run', step.runId];
  if (step.kind === 'node') return ['lineage', 'node', step.nodeId, step.direction, step.depth];
  return ['lineage', 'sha256', step.sha256, step.direction, step.depth];
}
