import pc from 'picocolors';
import { pb } from '@cairn/contracts';
import { formatDuration, table } from './render';

/**
 * A workflow plan for people: the graph as levels (what can run together), loops with
 * their bodies, arrays with their packing, then one table row per step.
 */
export function renderPlan(plan: pb.WorkflowPlan): string {
  const lines = [
    `${pc.bold(plan.name)} on site ${pc.bold(plan.site)}: ${countSteps(plan.steps)} steps, ${plan.slurmJobs} Slurm job${plan.slurmJobs === 1 ? '' : 's'} per pass`,
    '',
    ...graph(plan.steps, ''),
    '',
    table(
      ['STEP', 'KIND', 'PARTITION', 'CPU', 'MEM', 'TIME', 'GPU', 'ARRAY', 'IMAGE'],
      flatten(plan.steps).map((s) => [
        s.path,
        kindName(s.kind),
        s.resources?.partition ?? '',
        s.resources ? String(s.resources.cpus) : '',
        s.resources ? `${s.resources.memoryMb}M` : '',
        s.resources ? formatDuration(s.resources.timeLimitSeconds * 1000) : '',
        s.resources?.gpus ? `${s.resources.gpus}${s.resources.gpuType ? `×${s.resources.gpuType}` : ''}` : '',
        s.array ? arraySummary(s.array) : '',
        s.imageDigest ? shortDigest(s.imageDigest) : '',
      ]),
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function graph(steps: pb.StepPlan[], indent: string): string[] {
  const level = new Map<string, number>();
  for (const step of steps) level.set(step.path, 1 + Math.max(0, ...step.needs.map((n) => level.get(n) ?? 0)));
  const out: string[] = [];
  const depth = Math.max(0, ...level.values());
  for (let l = 1; l <= depth; l += 1) {
    const here = steps.filter((s) => level.get(s.path) === l);
    out.push(`${indent}${pc.dim(`${l}.`)} ${here.map(label).join(pc.dim('  ·  '))}`);
    for (const loop of here.filter((s) => s.loop)) out.push(...graph(loop.loop?.steps ?? [], `${indent}   ${pc.cyan('⟳')} `));
  }
  return out;
}

function label(step: pb.StepPlan): string {
  if (step.loop) {
    const budget = `≤${step.loop.maxIterations}×${step.loop.maxWallTimeSeconds ? `, ≤${formatDuration(step.loop.maxWallTimeSeconds * 1000)}` : ''}`;
    return `${pc.bold(step.path)} ${pc.cyan(`loop ${budget}${step.loop.until ? `, until ${step.loop.until}` : ''}`)}`;
  }
  if (step.array) return `${pc.bold(step.path)} ${pc.yellow(`[${arraySummary(step.array)}]`)}`;
  return pc.bold(step.path);
}

function arraySummary(array: pb.ArrayPlan): string {
  if (array.items === undefined) return `items at run time, ${array.itemsPerElement}/element`;
  const arrays = array.arrays.length;
  return `${array.items} items → ${array.elements ?? 0} × ${array.itemsPerElement} in ${arrays} array${arrays === 1 ? '' : 's'} (${array.arrays.join(', ')})`;
}

export function kindName(kind: pb.StepKind): string {
  return pb.StepKind[kind]?.replace('STEP_KIND_', '').toLowerCase() ?? String(kind);
}

function shortDigest(pinned: string): string {
  const [name, digest] = pinned.split('@');
  return `${name?.split('/').slice(1).join('/') ?? ''}@${digest?.slice(7, 19) ?? ''}`;
}

function flatten(steps: pb.StepPlan[]): pb.StepPlan[] {
  return steps.flatMap((s) => [s, ...flatten(s.loop?.steps ?? [])]);
}

function countSteps(steps: pb.StepPlan[]): number {
  return flatten(steps).length;
}
