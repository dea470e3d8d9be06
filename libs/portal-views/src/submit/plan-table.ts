import { StepKind, type StepPlan, type WorkflowPlan } from '@cairn/portal-client';
import { formatDuration, formatMebibytes } from './quantity-format';

/** One row of the dry run's table: a planned step, as people read it. */
export interface PlanRow {
  /** "learn.train" inside a loop. */
  path: string;
  /** 0 at the top, 1 inside a loop, ... */
  depth: number;
  kind: 'run' | 'array' | 'loop';
  needs: string;
  partition: string;
  /** "2 CPUs, 1 GiB, 5 min" (per item for arrays); "" for loops. */
  resources: string;
  /** For arrays, "200 items in 1 Slurm array job (0-24%8): 25 elements of 8 items, about 1 s each"; for loops, the budget. */
  packing: string;
  /** Pinned image ("registry/name@sha256:…"), else as written. */
  image: string;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function resourcesOf(step: StepPlan): string {
  const r = step.resources;
  if (!r) return '';
  return [
    plural(r.cpus, 'CPU'),
    formatMebibytes(r.memoryMb),
    r.timeLimitSeconds > 0 ? formatDuration(r.timeLimitSeconds) : '',
    r.gpus > 0 ? `${plural(r.gpus, 'GPU')}${r.gpuType ? ` (${r.gpuType})` : ''}` : '',
    r.nodes > 1 ? plural(r.nodes, 'node') : '',
    r.resourceClass ? `class ${r.resourceClass}` : '',
  ]
    .filter((s) => s !== '')
    .join(', ');
}

/** How an array is packed, or a loop's budget. */
export function packingOf(step: StepPlan): string {
  if (step.kind === StepKind.LOOP) {
    const l = step.loop;
    if (!l) return '';
    return [
      `at most ${plural(l.maxIterations, 'iteration')}`,
      l.maxWallTimeSeconds > 0 ? `at most ${formatDuration(l.maxWallTimeSeconds)} in all` : '',
      l.until ? `until ${l.until}` : 'every iteration (no condition)',
    ]
      .filter((s) => s !== '')
      .join('; ');
  }
  if (step.kind !== StepKind.ARRAY || !step.array) return '';
  const a = step.array;
  const items = a.items === undefined ? 'items known at run time' : plural(a.items, 'item');
  const jobs = a.arrays.length === 0 ? 'Slurm array jobs decided at run time' : `${plural(a.arrays.length, 'Slurm array job')} (${a.arrays.slice(0, 4).join(', ')}${a.arrays.length > 4 ? ', …' : ''})`;
  const elements = a.elements === undefined ? '' : `${plural(a.elements, 'element')} of ${plural(a.itemsPerElement, 'item')}`;
  const estimate = a.itemSeconds > 0 ? `about ${formatDuration(a.itemSeconds)} per item` : '';
  const throttle = a.throttle > 0 ? `at most ${a.throttle} elements at once` : '';
  return [`${items} in ${jobs}`, elements, estimate, throttle].filter((s) => s !== '').join('; ');
}

function kindOf(step: StepPlan): PlanRow['kind'] {
  return step.kind === StepKind.LOOP ? 'loop' : step.kind === StepKind.ARRAY ? 'array' : 'run';
}

/** Every planned step in plan order, a loop's body right after the loop, indented by depth. */
export function planRows(plan: WorkflowPlan): PlanRow[] {
  const rows: PlanRow[] = [];
  const walk = (steps: readonly StepPlan[], depth: number) => {
    for (const step of steps) {
      rows.push({
        path: step.path,
        depth,
        kind: kindOf(step),
        needs: step.needs.join(', '),
        partition: step.resources?.partition ?? '',
        resources: resourcesOf(step),
        packing: packingOf(step),
        image: step.imageDigest || step.image,
      });
      if (step.loop) walk(step.loop.steps, depth + 1);
    }
  };
  walk(plan.steps, 0);
  return rows;
}

/** "3 steps on site dev: 5 Slurm jobs per pass" */
export function planSummary(plan: WorkflowPlan): string {
  const rows = planRows(plan);
  return `${plural(rows.length, 'step')} of ${plan.name} on site ${plan.site}: ${plural(plan.slurmJobs, 'Slurm job')} per pass (a loop's body counted once)`;
}
