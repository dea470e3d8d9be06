import type { ServerWritableStream, ServiceError } from '@grpc/grpc-js';
import {
  listWorkflowsReply,
  pb,
  planWorkflowReply,
  subjects,
  workflowEventSchema,
  workflowPlanSchema,
  workflowRecordSchema,
  workflowReply,
  type WorkflowState,
} from '@cairn/contracts';
import { JetStreamRepository, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import { type GrpcBinding, toServiceError, unary } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { z } from 'zod';
import { toListWorkflowsQuery, toPbWorkflow, toPbWorkflowEvent, toRequestId, toRunId } from './workflow.mapper';
import { toPbPlan, toPlanCommand } from './workflow-plan.mapper';

export interface WorkflowsApiOptions {
  nats: NatsConnection;
  logger: Logger;
  defaultSite: string;
}

const submitReply = z.object({ plan: workflowPlanSchema, workflow: workflowRecordSchema });

/** cairn.v1.WorkflowService: translate, ask the scheduler, translate back. */
export function workflowsBinding(options: WorkflowsApiOptions): GrpcBinding {
  const requester = new NatsRequester(options.nats);
  const jetstream = new JetStreamRepository(options.nats);
  const logger = options.logger.child({ context: 'WorkflowsGrpcController' });
  const get = async (runId: string) => (await requester.request(subjects.scheduler.getWorkflow, { runId }, workflowReply)).workflow;

  const watch = async (call: ServerWritableStream<pb.WatchWorkflowRequest, pb.WatchWorkflowResponse>): Promise<void> => {
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    try {
      const runId = toRunId(call.request.runId);
      const first = await get(runId);
      let state: WorkflowState = first.state;
      if (state !== 'RUNNING') {
        // Ended: the snapshot is the whole story.
        for (const step of first.steps) call.write(toPbWorkflowEvent({ runId, sequence: 0, time: first.updateTime, kind: 'step', step }, state));
        for (const iteration of first.iterations) call.write(toPbWorkflowEvent({ runId, sequence: 0, time: first.updateTime, kind: 'iteration', iteration }, state));
        call.write(toPbWorkflowEvent({ runId, sequence: 0, time: first.updateTime, kind: 'run', run: { state, reason: first.reason } }, state));
        call.end();
        return;
      }
      // Running: replay the run's recorded changes from the first, then follow them live.
      for await (const raw of jetstream.follow(subjects.workflowEvents(runId), abort.signal)) {
        const event = workflowEventSchema.parse(raw);
        if (event.run) state = event.run.state;
        call.write(toPbWorkflowEvent(event, state));
        if (event.kind === 'run' && state !== 'RUNNING') break;
      }
      call.end();
    } catch (error) {
      if (abort.signal.aborted) return;
      call.destroy(toServiceError(error) as ServiceError);
    }
  };

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
    watchWorkflow: (call) => void watch(call),
  };
  return { name: 'cairn.v1.WorkflowService', definition: pb.WorkflowServiceService, implementation };
}
