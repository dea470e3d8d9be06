import { CairnError, MAX_WORKFLOW_SOURCE_BYTES, parseOrThrow, type PlanWorkflowCommand, pb, siteName, type StepPlan, type WorkflowPlan } from '@cairn/contracts';

const KIND: Record<StepPlan['kind'], pb.StepKind> = {
  run: pb.StepKind.STEP_KIND_RUN,
  array: pb.StepKind.STEP_KIND_ARRAY,
  loop: pb.StepKind.STEP_KIND_LOOP,
};

/** A SubmitWorkflowRequest as the scheduler's plan command (size and name checked here first). */
export function toPlanCommand(request: Omit<pb.SubmitWorkflowRequest, 'account'>, defaultSite: string): Omit<PlanWorkflowCommand, 'caller' | 'peer' | 'rpc'> {
  const bytes = Buffer.byteLength(request.source);
  if (bytes > MAX_WORKFLOW_SOURCE_BYTES) throw new CairnError('INVALID_ARGUMENT', `source: is ${bytes} bytes; at most ${MAX_WORKFLOW_SOURCE_BYTES} (256 KiB)`);
  if (request.source.trim() === '') throw new CairnError('INVALID_ARGUMENT', 'source: is empty');
  const fileName = request.fileName || 'workflow';
  if (!/^[A-Za-z0-9._/-]{1,255}$/.test(fileName)) {
    throw new CairnError('INVALID_ARGUMENT', 'file_name: must be a file name: letters, digits, ".", "-", "_" and "/"');
  }
  // The source's text is checked by the parser (control characters located by line and column).
  return { source: request.source, fileName, defaultSite, ...(request.site ? { site: parseOrThrow(siteName, request.site, 'site') } : {}) };
}

export function toPbPlan(plan: WorkflowPlan): pb.WorkflowPlan {
  return { name: plan.name, site: plan.site, steps: plan.steps.map(toPbStep), slurmJobs: plan.slurmJobs };
}

function toPbStep(step: StepPlan): pb.StepPlan {
  return {
    path: step.path,
    kind: KIND[step.kind],
    needs: step.needs,
    image: step.image ?? '',
    imageDigest: step.imageDigest ?? '',
    resources: step.resources
      ? {
          partition: step.resources.partition,
          cpus: step.resources.cpus,
          memoryMb: step.resources.memoryMb,
          timeLimitSeconds: step.resources.timeLimitSeconds,
          gpus: step.resources.gpus,
          gpuType: step.resources.gpuType ?? '',
          nodes: step.resources.nodes,
          resourceClass: step.resources.resourceClass ?? '',
        }
      : undefined,
    array: step.array
      ? {
          items: step.array.items ?? undefined,
          itemSeconds: Math.round(step.array.itemSeconds),
          itemsPerElement: step.array.itemsPerElement,
          elements: step.array.elements ?? undefined,
          arrays: step.array.arrays,
          throttle: step.array.throttle ?? 0,
        }
      : undefined,
    loop: step.loop
      ? {
          maxIterations: step.loop.maxIterations,
          maxWallTimeSeconds: step.loop.maxWallTimeSeconds ?? 0,
          until: step.loop.until ?? '',
          steps: step.loop.steps.map(toPbStep),
        }
      : undefined,
  };
}
