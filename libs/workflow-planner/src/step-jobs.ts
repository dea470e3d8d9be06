import { createHash } from 'node:crypto';
import { JOB_LIMITS, type JobSpec, jobTextBytes, type SiteDescription, type StepPlan, type WorkflowPlan } from '@cairn/contracts';
import { groupElements, parallelSlots, planArray } from './array-plan';
import { pathOfKey, renderValue, RenderError, stepDirOf, stepOf } from './run-layout';
import { stepProvenance } from './step-provenance';
import type { ParsedWorkflow } from '@cairn/workflow-language';
import { DEFAULT_TARGET_SECONDS } from './workflow-plan';

/** Limits of one Cairn array job (JobSpec.array). */
const MAX_ITEMS_PER_JOB = JOB_LIMITS.maxItems;
const MAX_ELEMENTS_PER_JOB = 1000;

/** One Cairn job of a step instance, as the engine stores and submits it. */
export interface StepJob {
  requestId: string;
  nodeKey: string;
  gen: number;
  chunk: number;
  spec: JobSpec;
  /** The array step's items this job runs (indices into the instance's items). */
  itemIndices?: number[];
}

export interface RunInfo {
  runId: string;
  site: string;
  workflow: ParsedWorkflow;
  plan: WorkflowPlan;
}

/** Idempotency key of one job of a step instance: run, instance, generation, chunk. */
export function requestIdFor(runId: string, key: string, gen: number, chunk: number): string {
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `wf.${runId}.${digest}.${gen}.${chunk}`;
}

export function stepPlanOf(plan: WorkflowPlan, path: string): StepPlan {
  const find = (steps: StepPlan[]): StepPlan | undefined => {
    for (const step of steps) {
      if (step.path === path) return step;
      const inner = step.loop ? find(step.loop.steps) : undefined;
      if (inner) return inner;
    }
    return undefined;
  };
  const found = find(plan.steps);
  if (!found) throw new RenderError(`the plan has no step "${path}"`);
  return found;
}

/** The job spec of a step instance, references rendered (items stay `${{ item }}`). */
export function baseSpec(run: RunInfo, key: string): JobSpec {
  const step = stepOf(run.workflow, key);
  const planned = stepPlanOf(run.plan, pathOfKey(key));
  if (!planned.imageDigest || !planned.resources || !step.command) throw new RenderError(`step "${key}" has no image, resources or command in the plan`);
  const render = (value: string) => renderValue(value, run.workflow, key);
  const name = `${run.workflow.name}.${key.replace(/\[(\d+)\]/g, '-$1')}`.slice(0, 64);
  return {
    name,
    image: planned.imageDigest,
    command: step.command.map(render),
    env: Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, render(v)])),
    resources: {
      cpus: planned.resources.cpus,
      memoryMb: planned.resources.memoryMb,
      timeLimitSeconds: planned.resources.timeLimitSeconds,
      partition: planned.resources.partition,
      ...(planned.resources.nodes > 1 ? { nodes: planned.resources.nodes } : {}),
      ...(planned.resources.gpus > 0 ? { gpus: planned.resources.gpus, ...(planned.resources.gpuType ? { gpuType: planned.resources.gpuType } : {}) } : {}),
    },
    site: run.site,
    run: { id: run.runId, stepDir: stepDirOf(key), ...stepProvenance(run.workflow, key) },
  };
}

export function runStepJobs(run: RunInfo, key: string, gen: number): StepJob[] {
  return [{ requestId: requestIdFor(run.runId, key, gen, 0), nodeKey: key, gen, chunk: 0, spec: baseSpec(run, key) }];
}

/**
 * The jobs of one attempt of an array step over the items `todo` (indices into `items`):
 * packed into elements of about the target duration, split into as few array jobs as the
 * cluster's MaxArraySize and Cairn's per-job limits allow. An element's time limit covers
 * its items (twice the estimate, at least one item's limit, at most the partition's).
 */
export function arrayStepJobs(
  run: RunInfo,
  key: string,
  gen: number,
  items: readonly (string | number)[],
  todo: readonly number[],
  site: SiteDescription,
  itemSecondsFromHistory?: number,
): StepJob[] {
  const step = stepOf(run.workflow, key);
  const spec = baseSpec(run, key);
  const array = step.array ?? {};
  const itemLimit = spec.resources.timeLimitSeconds;
  const itemSeconds = itemSecondsFromHistory ?? array.itemEstimate ?? itemLimit;
  const partition = site.partitions.find((p) => p.name === spec.resources.partition);
  const maxTime = partition?.maxTimeSeconds ?? 30 * 24 * 3600;
  const target = Math.min(array.targetDuration ?? DEFAULT_TARGET_SECONDS, maxTime);
  // Cairn's per-job byte budget, less what the command and env take, bounds each job's items.
  const itemBytes = (i: number) => Buffer.byteLength(String(items[i]));
  const budget = Math.max(1, JOB_LIMITS.maxTotalBytes - jobTextBytes(spec));
  const longest = todo.reduce((max, i) => Math.max(max, itemBytes(i)), 1);
  const plan = planArray({
    items: todo,
    itemSeconds,
    targetSeconds: target,
    maxArraySize: Math.min(site.maxArraySize, MAX_ELEMENTS_PER_JOB),
    maxItemsPerElement: Math.floor(budget / longest),
    ...(array.throttle ? { throttle: array.throttle } : {}),
    ...slotsOf(array.throttle, partition?.jobSlots, spec.resources.cpus),
  });
  const elementLimit = Math.min(maxTime, Math.max(itemLimit, Math.ceil(plan.itemsPerElement * itemSeconds * 2) + 60));
  const groups = plan.chunks.flatMap((chunk) => groupElements(chunk.elements, itemBytes, { maxItems: MAX_ITEMS_PER_JOB, maxBytes: budget }));
  return groups.map((elements, chunk) => {
    const indices = elements.flat();
    return {
      requestId: requestIdFor(run.runId, key, gen, chunk),
      nodeKey: key,
      gen,
      chunk,
      itemIndices: indices,
      spec: {
        ...spec,
        resources: { ...spec.resources, timeLimitSeconds: elementLimit },
        array: {
          items: indices.map((i) => String(items[i])),
          itemsPerElement: plan.itemsPerElement,
          indices,
          ...(array.throttle ? { throttle: array.throttle } : {}),
        },
      },
    };
  });
}

/** Balanced packing, with or without a throttle: the elements that run at once (none when unknown). */
function slotsOf(throttle: number | undefined, jobSlots: number | undefined, cpus: number): { slots?: number } {
  const slots = parallelSlots(throttle, jobSlots, cpus);
  return slots ? { slots } : {};
}
