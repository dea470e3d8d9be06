import { createHash } from 'node:crypto';
import { jsonBytes, type Owner, type RunSubmitted, type StepPlan, type WorkflowPlan } from '@cairn/contracts';
import type { ParsedWorkflow } from '@cairn/workflow-language';

/**
 * Most bytes of JSON the `submitted` facts take on the run's first event. A file of 256 KiB
 * (the language's limit) takes at most 512 KiB as JSON text; its params, when they would
 * push the event past this, are left out (the source holds them, and its sha256 names it).
 */
export const MAX_SUBMITTED_BYTES = 768 * 1024;

const DIGEST = /@(sha256:[0-9a-f]{64})$/;

/** Every image the plan's steps name (loops included), as written and as pinned, once each, in plan order. */
export function pinnedImages(plan: WorkflowPlan): RunSubmitted['images'] {
  const seen = new Map<string, RunSubmitted['images'][number]>();
  const visit = (steps: readonly StepPlan[]) => {
    for (const step of steps) {
      if (step.loop) visit(step.loop.steps);
      if (!step.image || !step.imageDigest || seen.has(step.image)) continue;
      seen.set(step.image, { reference: step.image, imageRef: step.imageDigest, digest: DIGEST.exec(step.imageDigest)?.[1] ?? '' });
    }
  };
  visit(plan.steps);
  return [...seen.values()].slice(0, 256);
}

/**
 * What a run is, as its first event carries it (docs/provenance.md): the file as
 * submitted and its sha256, the parameters with their values in this run, who submitted
 * it, where it runs and the images pinned, and the run it re-ran.
 */
export function runSubmitted(input: {
  source: string;
  fileName: string;
  workflow: ParsedWorkflow;
  plan: WorkflowPlan;
  owner: Owner;
  account: string;
  rerunOf?: string;
}): RunSubmitted {
  const submitted: RunSubmitted = {
    name: input.workflow.name,
    fileName: input.fileName,
    source: input.source,
    sourceSha256: createHash('sha256').update(input.source, 'utf8').digest('hex'),
    params: { ...(input.workflow.params ?? {}) },
    owner: input.owner,
    account: input.account,
    site: input.plan.site,
    images: pinnedImages(input.plan),
    ...(input.rerunOf ? { rerunOf: input.rerunOf } : {}),
  };
  return jsonBytes(submitted) <= MAX_SUBMITTED_BYTES ? submitted : { ...submitted, params: {} };
}
