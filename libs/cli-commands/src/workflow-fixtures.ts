import { stripVTControlCharacters } from 'node:util';
import { pb } from '@cairn/contracts';

/** Hand-made WorkflowService values for the CLI's specs (not exported from the lib). */

export const T0 = new Date('2026-01-01T10:00:00.000Z');
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

/** A step instance; path and iteration follow from the key ("learn[2].train"). */
export function aStep(key: string, extra: Partial<pb.WorkflowStep> = {}): pb.WorkflowStep {
  return {
    key,
    path: key.replace(/\[\d+\]/g, ''),
    iteration: Number(/\[(\d+)\][^[]*$/.exec(key)?.[1] ?? 0),
    kind: pb.StepKind.STEP_KIND_RUN,
    state: pb.StepState.STEP_STATE_WAITING,
    attempt: 0,
    requeues: 0,
    items: undefined,
    itemSeconds: 0,
    failedItems: [],
    failedItemExitCodes: [],
    jobIds: [],
    slurmJobIds: [],
    reason: '',
    startTime: undefined,
    endTime: undefined,
    ...extra,
  };
}

export function anIteration(loop: string, iteration: number, extra: Partial<pb.LoopIteration> = {}): pb.LoopIteration {
  return {
    loop,
    iteration,
    state: pb.StepState.STEP_STATE_SUCCEEDED,
    metrics: {},
    decision: '',
    stop: '',
    startTime: undefined,
    endTime: undefined,
    ...extra,
  };
}

/** A plan with a run step, an array and a loop of at most `maxIterations`. */
export function aPlan(maxIterations = 10): pb.WorkflowPlan {
  const plain = (path: string, kind: pb.StepKind, needs: string[] = []): pb.StepPlan => ({
    path,
    kind,
    needs,
    image: '',
    imageDigest: '',
    resources: undefined,
    array: undefined,
    loop: undefined,
  });
  return {
    name: 'al',
    site: 'hpc1',
    slurmJobs: 4,
    steps: [
      plain('prep', pb.StepKind.STEP_KIND_RUN),
      plain('sweep', pb.StepKind.STEP_KIND_ARRAY, ['prep']),
      {
        ...plain('learn', pb.StepKind.STEP_KIND_LOOP, ['prep']),
        loop: { maxIterations, maxWallTimeSeconds: 0, until: 'acc > 0.9', steps: [plain('learn.train', pb.StepKind.STEP_KIND_RUN)] },
      },
    ],
  };
}

export function aWorkflow(extra: Partial<pb.Workflow> = {}): pb.Workflow {
  return {
    runId: '3f1c2a9e-0000-4000-8000-000000000001',
    name: 'al',
    site: 'hpc1',
    fileName: 'al.yaml',
    state: pb.WorkflowState.WORKFLOW_STATE_RUNNING,
    reason: '',
    createTime: T0,
    updateTime: T0,
    endTime: undefined,
    steps: [],
    iterations: [],
    plan: undefined,
    omittedSteps: 0,
    omittedIterations: 0,
    owner: undefined,
    account: '',
    rerunOf: '',
    ...extra,
  };
}

export function anEvent(extra: Partial<pb.WatchWorkflowResponse>): pb.WatchWorkflowResponse {
  return {
    sequence: 1,
    kind: 'step',
    state: pb.WorkflowState.WORKFLOW_STATE_RUNNING,
    reason: '',
    step: undefined,
    iteration: undefined,
    time: T0,
    ...extra,
  };
}

export const stepEvent = (step: pb.WorkflowStep, time = T0): pb.WatchWorkflowResponse => anEvent({ kind: 'step', step, time });
export const iterationEvent = (iteration: pb.LoopIteration, time = T0): pb.WatchWorkflowResponse =>
  anEvent({ kind: 'iteration', iteration, time });
export const runEvent = (state: pb.WorkflowState, reason = '', time = T0): pb.WatchWorkflowResponse => anEvent({ kind: 'run', state, reason, time });

/** The text without its colour codes. */
export const plain = (s: string): string => stripVTControlCharacters(s);
