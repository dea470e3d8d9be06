import {
  CairnError,
  type IterationRecord,
  type ListWorkflowsQuery,
  parseOrThrow,
  pb,
  requestIdSchema,
  slurmAccountName,
  type StepRecord,
  type StepState,
  uuid,
  type WorkflowEvent,
  type WorkflowRecord,
  type WorkflowState,
} from '@cairn/contracts';
import { pageRequest } from '@cairn/grpc-server';
import { toPbPlan } from './workflow-plan.mapper';

/** Translation of workflow runs between Cairn's records and the public protobuf messages. */

const RUN_STATE: Record<WorkflowState, pb.WorkflowState> = {
  RUNNING: pb.WorkflowState.WORKFLOW_STATE_RUNNING,
  SUCCEEDED: pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED,
  FAILED: pb.WorkflowState.WORKFLOW_STATE_FAILED,
  CANCELLED: pb.WorkflowState.WORKFLOW_STATE_CANCELLED,
};
const RUN_STATE_FROM_PB = new Map<number, WorkflowState>(Object.entries(RUN_STATE).map(([k, v]) => [v, k as WorkflowState]));

const STEP_STATE: Record<StepState, pb.StepState> = {
  WAITING: pb.StepState.STEP_STATE_WAITING,
  RUNNING: pb.StepState.STEP_STATE_RUNNING,
  SUCCEEDED: pb.StepState.STEP_STATE_SUCCEEDED,
  FAILED: pb.StepState.STEP_STATE_FAILED,
  CANCELLED: pb.StepState.STEP_STATE_CANCELLED,
  SKIPPED: pb.StepState.STEP_STATE_SKIPPED,
};

const KIND: Record<StepRecord['kind'], pb.StepKind> = {
  run: pb.StepKind.STEP_KIND_RUN,
  array: pb.StepKind.STEP_KIND_ARRAY,
  loop: pb.StepKind.STEP_KIND_LOOP,
};

const time = (iso: string | undefined) => (iso ? new Date(iso) : undefined);

export function toRunId(runId: string): string {
  return parseOrThrow(uuid, runId, 'run_id');
}

export function toRequestId(requestId: string): string | undefined {
  return requestId ? parseOrThrow(requestIdSchema, requestId, 'request_id') : undefined;
}

/** The Slurm account a submission asks for (empty: the caller's default). */
export function toAccount(account: string): string | undefined {
  return account ? parseOrThrow(slurmAccountName, account, 'account') : undefined;
}

/** A ListWorkflowsRequest as the scheduler's query, but for who calls (the controller adds that). */
export function toListWorkflowsQuery(request: pb.ListWorkflowsRequest): Omit<ListWorkflowsQuery, 'caller' | 'peer' | 'rpc'> {
  return {
    ...pageRequest(request),
    states: request.states.map((s, i) => {
      const state = RUN_STATE_FROM_PB.get(s);
      if (!state) throw new CairnError('INVALID_ARGUMENT', `states[${i}]: ${s} is not a workflow state`);
      return state;
    }),
  };
}

export function toPbStepRecord(step: StepRecord): pb.WorkflowStep {
  return {
    key: step.key,
    path: step.path,
    iteration: step.iteration,
    kind: KIND[step.kind],
    state: STEP_STATE[step.state],
    attempt: step.attempt,
    requeues: step.requeues,
    items: step.items,
    failedItems: step.failedItems,
    failedItemExitCodes: step.failedItemExitCodes ?? [],
    itemSeconds: step.itemSeconds ?? 0,
    jobIds: step.jobIds,
    slurmJobIds: step.slurmJobIds,
    reason: step.reason,
    startTime: time(step.startTime),
    endTime: time(step.endTime),
  };
}

export function toPbIteration(iteration: IterationRecord): pb.LoopIteration {
  return {
    loop: iteration.loop,
    iteration: iteration.iteration,
    state: STEP_STATE[iteration.state],
    metrics: iteration.metrics,
    decision: iteration.decision,
    stop: iteration.stop,
    startTime: time(iteration.startTime),
    endTime: time(iteration.endTime),
  };
}

export function toPbWorkflow(record: WorkflowRecord): pb.Workflow {
  return {
    runId: record.runId,
    name: record.name,
    site: record.site,
    fileName: record.fileName,
    state: RUN_STATE[record.state],
    reason: record.reason,
    createTime: time(record.createTime),
    updateTime: time(record.updateTime),
    endTime: time(record.endTime),
    steps: record.steps.map(toPbStepRecord),
    iterations: record.iterations.map(toPbIteration),
    plan: record.plan ? toPbPlan(record.plan) : undefined,
    omittedSteps: record.omittedSteps ?? 0,
    omittedIterations: record.omittedIterations ?? 0,
    owner: { issuer: record.owner.issuer, subject: record.owner.subject, name: record.owner.name, posixUser: record.owner.posixUser },
    account: record.account,
    rerunOf: record.rerunOf ?? '',
  };
}

/**
 * Whether WatchWorkflow streams a recorded change: runs, steps and iterations are; the
 * `items` events (each array item's result and hashed outputs) are for provenance only.
 */
export function isWatched(event: Pick<WorkflowEvent, 'kind'>): boolean {
  return event.kind !== 'items';
}

/** A recorded change as a WatchWorkflowResponse; `state` is the run's state after it. */
export function toPbWorkflowEvent(event: WorkflowEvent, runState: WorkflowState): pb.WatchWorkflowResponse {
  return {
    sequence: event.sequence,
    kind: event.kind,
    state: RUN_STATE[event.run?.state ?? runState],
    reason: event.run?.reason ?? '',
    step: event.step ? toPbStepRecord(event.step) : undefined,
    iteration: event.iteration ? toPbIteration(event.iteration) : undefined,
    time: new Date(event.time),
  };
}
