import { isRunFinal, pb, streams, subjects, workflowEventSchema, type WorkflowRecord, type WorkflowState } from '@cairn/contracts';
import { followRecord, type JetStreamRepository, type WorkflowsClient } from '@cairn/adapters/nats';
import { type Door, type GrpcBinding, type GrpcHandlers, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
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
    door: Door,
  ) {
    this.handlers = grpcHandlers(logger, watchLimiter, door);
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
    // A run's first event is its RUNNING; each run event carries the state on from there.
    let state: WorkflowState = 'RUNNING';
    yield* followRecord(
      this.jetstream,
      {
        stream: streams.workflowEvents.name,
        subject: subjects.workflowEvents(runId),
        finished: isRunFinal(first.state),
        snapshot: () => snapshotOf(first),
        next: (raw) => {
          const event = workflowEventSchema.parse(raw);
          if (event.run) state = event.run.state;
          return { message: toPbWorkflowEvent(event, state), last: event.kind === 'run' && isRunFinal(state) };
        },
      },
      signal,
    );
  }
}

/** A finished run as events numbered 0: one per step instance and iteration, then the run. */
function* snapshotOf(run: WorkflowRecord): Generator<pb.WatchWorkflowResponse> {
  const at = { runId: run.runId, sequence: 0, time: run.updateTime };
  for (const step of run.steps) yield toPbWorkflowEvent({ ...at, kind: 'step', step }, run.state);
  for (const iteration of run.iterations) yield toPbWorkflowEvent({ ...at, kind: 'iteration', iteration }, run.state);
  yield toPbWorkflowEvent({ ...at, kind: 'run', run: { state: run.state, reason: run.reason } }, run.state);
}
