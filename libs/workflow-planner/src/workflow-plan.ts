import { type ArrayStepPlan, ownValue, type PartitionInfo, type ResolvedResources, type SiteDescription, type StepPlan, type WorkflowPlan } from '@cairn/contracts';
import { parallelSlots, planArrayShape } from './array-plan';
import { dependencies, MAX_STEP_ITEMS, type ParsedResources, type ParsedStep, type ParsedWorkflow, topologicalOrder } from '@cairn/workflow-language';

/** Defaults for what neither the step nor the workflow's defaults say. */
export const STEP_DEFAULTS = { cpus: 1, memory: 1024, time: 3600, gpus: 0, nodes: 1 } as const;
/** How long an array element should run when the step does not say. */
export const DEFAULT_TARGET_SECONDS = 600;

export class PlanError extends Error {
  override readonly name = 'PlanError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/**
 * The plan of a workflow on one site: every step's partition and resources (checked
 * against what the partition's nodes offer), and how each array becomes Slurm array jobs
 * (packing and splitting at the site's MaxArraySize). A step no partition can run is a
 * PlanError naming the step and the reason.
 */
export function planWorkflow(workflow: ParsedWorkflow, site: SiteDescription): WorkflowPlan {
  const problems: string[] = [];
  const steps = planScope(workflow.steps, '', workflow, site, problems);
  if (problems.length > 0) throw new PlanError(problems);
  return { name: workflow.name, site: site.site, steps, slurmJobs: countJobs(steps) };
}

function planScope(
  steps: Record<string, ParsedStep>,
  prefix: string,
  workflow: ParsedWorkflow,
  site: SiteDescription,
  problems: string[],
): StepPlan[] {
  const deps = dependencies(steps, prefix !== '');
  return topologicalOrder(steps, prefix !== '').map((name) => {
    const step = ownValue(steps, name) as ParsedStep;
    const path = `${prefix}${name}`;
    const needs = [...(deps.get(name) ?? [])].map((d) => `${prefix}${d}`);
    if (step.loop) {
      return {
        path,
        kind: 'loop' as const,
        needs,
        loop: {
          maxIterations: step.loop.maxIterations,
          ...(step.loop.maxWallTime ? { maxWallTimeSeconds: step.loop.maxWallTime } : {}),
          ...(step.loop.until ? { until: step.loop.until } : {}),
          steps: planScope(step.loop.steps, `${path}.`, workflow, site, problems),
        },
      };
    }
    const resources = resolveResources(path, { ...workflow.defaults?.resources, ...step.resources }, site, problems);
    const plan: StepPlan = { path, kind: step.array ? 'array' : 'run', needs, image: step.image ?? workflow.defaults?.image };
    if (resources) plan.resources = resources;
    if (step.array && resources) plan.array = planArrayStep(step, resources, site, problems, path);
    return plan;
  });
}

function resolveResources(path: string, wanted: ParsedResources, site: SiteDescription, problems: string[]): ResolvedResources | undefined {
  let partitionName: string | undefined;
  let gpuType = wanted.gpuType;
  if (wanted.class) {
    const cls = ownValue(site.resourceClasses, wanted.class);
    if (!cls) {
      const offered = Object.keys(site.resourceClasses);
      problems.push(`${path}: resource class "${wanted.class}" is not offered by site ${site.site}${offered.length ? ` (it offers ${offered.join(', ')})` : ' (it defines none)'}`);
      return undefined;
    }
    partitionName = cls.partition;
    gpuType ??= cls.gpuType;
  }
  partitionName ??= site.defaultPartition ?? site.partitions.find((p) => p.isDefault)?.name ?? site.partitions[0]?.name;
  const partition = site.partitions.find((p) => p.name === partitionName);
  if (!partition) {
    problems.push(`${path}: site ${site.site} has no partition "${partitionName ?? '(none)'}"`);
    return undefined;
  }
  const r: ResolvedResources = {
    partition: partition.name,
    cpus: wanted.cpus ?? STEP_DEFAULTS.cpus,
    memoryMb: wanted.memory ?? STEP_DEFAULTS.memory,
    timeLimitSeconds: wanted.time ?? STEP_DEFAULTS.time,
    gpus: wanted.gpus ?? STEP_DEFAULTS.gpus,
    nodes: wanted.nodes ?? STEP_DEFAULTS.nodes,
    ...(gpuType ? { gpuType } : {}),
    ...(wanted.class ? { resourceClass: wanted.class } : {}),
  };
  const why = unsatisfiable(r, partition);
  if (why) {
    problems.push(`${path}: no node of partition ${partition.name} on site ${site.site} can run it: ${why}`);
    return undefined;
  }
  return r;
}

function unsatisfiable(r: ResolvedResources, p: PartitionInfo): string | undefined {
  if (!p.up) return 'the partition is down';
  if (r.cpus > p.cpusPerNode) return `${r.cpus} CPUs asked, nodes have ${p.cpusPerNode}`;
  if (r.memoryMb > p.memoryMbPerNode) return `${r.memoryMb} MiB asked, nodes have ${p.memoryMbPerNode} MiB`;
  if (r.nodes > p.nodes) return `${r.nodes} nodes asked, the partition has ${p.nodes}`;
  if (p.maxTimeSeconds !== null && r.timeLimitSeconds > p.maxTimeSeconds) return `${r.timeLimitSeconds} s asked, the partition allows ${p.maxTimeSeconds} s`;
  if (r.gpus > 0) {
    const counts = p.gres
      .map((g) => /^gpu(?::([^:]+))?:(\d+)$/.exec(g))
      .filter((m): m is RegExpExecArray => m !== null)
      .filter((m) => !r.gpuType || m[1] === r.gpuType)
      .map((m) => Number(m[2]));
    const best = Math.max(0, ...counts);
    if (best < r.gpus) return `${r.gpus} ${r.gpuType ?? ''} GPU(s) asked, nodes have ${best}${r.gpuType ? ` of type ${r.gpuType}` : ''}`.replace('  ', ' ');
  }
  return undefined;
}

function planArrayStep(step: ParsedStep, r: ResolvedResources, site: SiteDescription, problems: string[], path: string): ArrayStepPlan {
  const array = step.array ?? {};
  const itemSeconds = array.itemEstimate ?? r.timeLimitSeconds;
  let target = array.targetDuration ?? DEFAULT_TARGET_SECONDS;
  const partition = site.partitions.find((p) => p.name === r.partition);
  if (partition && partition.maxTimeSeconds !== null) target = Math.min(target, partition.maxTimeSeconds);
  const count = array.items ? array.items.length : array.range ? Math.floor((array.range.to - array.range.from) / array.range.step) + 1 : null;
  if (count === null) {
    return { items: null, itemSeconds, itemsPerElement: Math.max(1, Math.floor(target / itemSeconds)), elements: null, arrays: [], ...(array.throttle ? { throttle: array.throttle } : {}) };
  }
  if (count > site.maxJobCount * site.maxArraySize || count > MAX_STEP_ITEMS) {
    // Counted, not expanded: refused before any list of that size is made.
    problems.push(`${path}: ${count} items are more than ${count > MAX_STEP_ITEMS ? `a step may have (${MAX_STEP_ITEMS})` : `site ${site.site} can hold`}`);
    return { items: count, itemSeconds, itemsPerElement: 1, elements: null, arrays: [], ...(array.throttle ? { throttle: array.throttle } : {}) };
  }
  const slots = parallelSlots(array.throttle, partition?.jobSlots, r.cpus);
  // Counted, not listed: a step of a million items plans in constant memory.
  const plan = planArrayShape(count, {
    itemSeconds,
    targetSeconds: target,
    maxArraySize: site.maxArraySize,
    ...(array.throttle ? { throttle: array.throttle } : {}),
    // Fill every wave, with or without a throttle: elements become a multiple of the parallelism.
    ...(slots ? { slots } : {}),
  });
  return {
    items: count,
    itemSeconds,
    itemsPerElement: plan.itemsPerElement,
    elements: plan.elementCount,
    arrays: plan.arraySpecs,
    ...(array.throttle ? { throttle: array.throttle } : {}),
  };
}

function countJobs(steps: StepPlan[]): number {
  return steps.reduce((n, s) => n + (s.kind === 'run' ? 1 : s.kind === 'array' ? (s.array?.arrays.length ?? 0) : countJobs(s.loop?.steps ?? [])), 0);
}
