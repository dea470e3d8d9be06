import { pb, streams, subjects, workflowEventSchema, type WorkflowState } from '@cairn/contracts';
import type { JetStreamRepository, WorkflowsClient } from '@cairn/adapters/nats';
import { type GrpcBinding, type GrpcHandlers, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { toListWorkflowsQuery, toPbWorkflow, toPbWorkflowEvent, toRequestId, toRunId } from './workflow.mapper';
import { toPbPlan, toPlanCommand } from './workflow-plan.mapper';

/** Binds cairn.v1.WorkflowService: translate, delegate to the scheduler, translate back. */
export class WorkflowsGrpcController {
  private readonly handlers: GrpcHandlers;

  constructor(
    private readonly scheduler: WorkflowsClient,
    private readonly jetstream: JetStreamRepository,
    private readonly defaultSite: string,
    logger: Logger,
    watchLimiter: WatchLimiter,
  ) {
    this.handlers = grpcHandlers(logger, watchLimiter);
  }

  binding(): GrpcBinding {
    const implementation: pb.WorkflowServiceServer = {
      submitWorkflow: this.unary(async (request: pb.SubmitWorkflowRequest): Promise<pb.SubmitWorkflowResponse> => {
        // A dry run checks every field a submission does (request_id too): one validator.
        const command = toPlanCommand(request, this.defaultSite);
        const requestId = toRequestId(request.requestId);
        if (request.dryRun) return { plan: toPbPlan(await this.scheduler.plan(command)), workflow: undefined };
        const reply = await this.scheduler.submit(command, requestId);
        return { plan: toPbPlan(reply.plan), workflow: toPbWorkflow(reply.workflow) };
      }),
      getWorkflow: this.unary(async (request: pb.GetWorkflowRequest) => ({ workflow: toPbWorkflow(await this.scheduler.get(toRunId(request.runId))) })),
      cancelWorkflow: this.unary(async (request: pb.CancelWorkflowRequest) => ({
        workflow: toPbWorkflow(await this.scheduler.cancel(toRunId(request.runId))),
      })),
      listWorkflows: this.unary(async (request: pb.ListWorkflowsRequest) => {
        const page = await this.scheduler.list(toListWorkflowsQuery(request));
        return { workflows: page.workflows.map(toPbWorkflow), nextPageToken: page.nextPageToken };
      }),
      watchWorkflow: this.handlers.watch((req: pb.WatchWorkflowRequest, signal) => this.events(req.runId, signal)),
    };
    return { name: 'cairn.v1.WorkflowService', definition: pb.WorkflowServiceService, implementation };
  }

  private unary<Req, Res>(handler: (req: Req) => Promise<Res>) {
    return this.handlers.unary(handler);
  }

  /**
   * Every recorded change of the run with its sequence number, from the first, then the
   * live ones, until the run ends: the same events whether the run is running or finished.
   * A finished run whose changes have expired from the stream (after its max age) gets a
   * snapshot instead: an event per step instance and iteration, then the run, numbered 0.
   */
  private async *events(rawRunId: string, signal: AbortSignal): AsyncGenerator<pb.WatchWorkflowResponse> {
    const runId = toRunId(rawRunId);
    const first = await this.scheduler.get(runId);
    const subject = subjects.workflowEvents(runId);
    if (first.state !== 'RUNNING' && (await this.jetstream.lastOn(streams.workflowEvents.name, subject)) === undefined) {
      const at = { runId, sequence: 0, time: first.updateTime };
      for (const step of first.steps) yield toPbWorkflowEvent({ ...at, kind: 'step', step }, first.state);
      for (const iteration of first.iterations) yield toPbWorkflowEvent({ ...at, kind: 'iteration', iteration }, first.state);
      yield toPbWorkflowEvent({ ...at, kind: 'run', run: { state: first.state, reason: first.reason } }, first.state);
      return;
    }
    // A run's first event is its RUNNING; each run event carries the state on from there.
    let state: WorkflowState = 'RUNNING';
    for await (const raw of this.jetstream.follow(subject, signal)) {
      const event = workflowEventSchema.parse(raw);
      if (event.run) state = event.run.state;
      yield toPbWorkflowEvent(event, state);
      if (event.kind === 'run' && state !== 'RUNNING') return;
    }
  }
}
