import {
  listWorkflowsReply,
  pb,
  planWorkflowReply,
  streams,
  subjects,
  workflowEventSchema,
  workflowPlanSchema,
  workflowRecordSchema,
  workflowReply,
  type WorkflowState,
} from '@cairn/contracts';
import { JetStreamRepository, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import { type GrpcBinding, serveWatch, unary, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { z } from 'zod';
import { toListWorkflowsQuery, toPbWorkflow, toPbWorkflowEvent, toRequestId, toRunId } from './workflow.mapper';
import { toPbPlan, toPlanCommand } from './workflow-plan.mapper';

export interface WorkflowsApiOptions {
  nats: NatsConnection;
  logger: Logger;
  defaultSite: string;
  /** Caps the watch streams; share one between the services of a gateway. */
  watchLimiter: WatchLimiter;
}

const submitReply = z.object({ plan: workflowPlanSchema, workflow: workflowRecordSchema });

/** cairn.v1.WorkflowService: translate, ask the scheduler, translate back. */
export function workflowsBinding(options: WorkflowsApiOptions): GrpcBinding {
  const requester = new NatsRequester(options.nats);
  const jetstream = new JetStreamRepository(options.nats);
  const logger = options.logger.child({ context: 'WorkflowsGrpcController' });
  const get = async (runId: string) => (await requester.request(subjects.scheduler.getWorkflow, { runId }, workflowReply)).workflow;

  /**
   * Every recorded change of the run with its sequence number, from the first, then the
   * live ones, until the run ends: the same events whether the run is running or finished.
   * A finished run whose changes have expired from the stream (after its max age) gets a
   * snapshot instead: an event per step instance and iteration, then the run, numbered 0.
   */
  async function* events(rawRunId: string, signal: AbortSignal): AsyncGenerator<pb.WatchWorkflowResponse> {
    const runId = toRunId(rawRunId);
    const first = await get(runId);
    const subject = subjects.workflowEvents(runId);
    if (first.state !== 'RUNNING' && (await jetstream.lastOn(streams.workflowEvents.name, subject)) === undefined) {
      const at = { runId, sequence: 0, time: first.updateTime };
      for (const step of first.steps) yield toPbWorkflowEvent({ ...at, kind: 'step', step }, first.state);
      for (const iteration of first.iterations) yield toPbWorkflowEvent({ ...at, kind: 'iteration', iteration }, first.state);
      yield toPbWorkflowEvent({ ...at, kind: 'run', run: { state: first.state, reason: first.reason } }, first.state);
      return;
    }
    // A run's first event is its RUNNING; each run event carries the state on from there.
    let state: WorkflowState = 'RUNNING';
    for await (const raw of jetstream.follow(subject, signal)) {
      const event = workflowEventSchema.parse(raw);
      if (event.run) state = event.run.state;
      yield toPbWorkflowEvent(event, state);
      if (event.kind === 'run' && state !== 'RUNNING') return;
    }
  }

  const implementation: pb.WorkflowServiceServer = {
    submitWorkflow: unary(async (request: pb.SubmitWorkflowRequest): Promise<pb.SubmitWorkflowResponse> => {
      // A dry run checks every field a submission does (request_id too): one validator.
      const command = toPlanCommand(request, options.defaultSite);
      const requestId = toRequestId(request.requestId);
      if (request.dryRun) {
        const { plan } = await requester.request(subjects.scheduler.planWorkflow, command, planWorkflowReply, 30_000);
        return { plan: toPbPlan(plan), workflow: undefined };
      }
      const reply = await requester.request(subjects.scheduler.submitWorkflow, { ...command, ...(requestId ? { requestId } : {}) }, submitReply, 60_000);
      return { plan: toPbPlan(reply.plan), workflow: toPbWorkflow(reply.workflow) };
    }, logger),
    getWorkflow: unary(async (request: pb.GetWorkflowRequest) => ({ workflow: toPbWorkflow(await get(toRunId(request.runId))) }), logger),
    cancelWorkflow: unary(async (request: pb.CancelWorkflowRequest) => {
      const reply = await requester.request(subjects.scheduler.cancelWorkflow, { runId: toRunId(request.runId) }, workflowReply);
      return { workflow: toPbWorkflow(reply.workflow) };
    }, logger),
    listWorkflows: unary(async (request: pb.ListWorkflowsRequest) => {
      const reply = await requester.request(subjects.scheduler.listWorkflows, toListWorkflowsQuery(request), listWorkflowsReply);
      return { workflows: reply.workflows.map(toPbWorkflow), nextPageToken: reply.nextPageToken };
    }, logger),
    watchWorkflow: (call) => void serveWatch(call, options.watchLimiter, (signal) => events(call.request.runId, signal), logger),
  };
  return { name: 'cairn.v1.WorkflowService', definition: pb.WorkflowServiceService, implementation };
}
