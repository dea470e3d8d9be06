import { type Called, isRunFinal, pb, type Principal, RPC, streams, subjects, workflowEventSchema, type WorkflowRecord, type WorkflowState } from '@cairn/contracts';
import { followRecord, type JetStreamRepository, type WorkflowsClient } from '@cairn/adapters/nats';
import { type Door, type GrpcBinding, type GrpcHandlers, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { isWatched, toAccount, toListWorkflowsQuery, toPbWorkflow, toPbWorkflowEvent, toRequestId, toRunId } from './workflow.mapper';
import { runAnswers, runsPageAnswers, workflowServiceDefinition } from './workflow-answers';
import { toPbPlan, toPlanCommand } from './workflow-plan.mapper';
import { runsPageThrough, runThrough, type WorkflowReadMemory } from './workflow-read-memory';

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
    /** Answers GetWorkflow and ListWorkflows from what the scheduler gave while nothing changed since (ADR 0019). */
    private readonly memory?: WorkflowReadMemory,
  ) {
    this.handlers = grpcHandlers(logger, watchLimiter, door);
  }

  binding(): GrpcBinding {
    const implementation: pb.WorkflowServiceServer = {
      // Every call carries who calls (the door's caller) and from where (the peer): the
      // scheduler applies the access policy and writes the audit log (libs/access). A read
      // the memory answers is one the same policy lets the caller make (ADR 0019).
      submitWorkflow: this.handlers.unary(async (request: pb.SubmitWorkflowRequest, caller: Principal, peer: string): Promise<pb.SubmitWorkflowResponse> => {
        // A dry run checks every field a submission does (request_id and account too): one validator.
        const command = { ...toPlanCommand(request, this.defaultSite), caller, peer };
        const requestId = toRequestId(request.requestId);
        const account = toAccount(request.account);
        if (request.dryRun) return { plan: toPbPlan(await this.scheduler.plan(command)), workflow: undefined };
        // A new run: the WorkflowsClient tells this process's read memory before it answers (onRunWrite).
        const reply = await this.scheduler.submit(command, requestId, account);
        return { plan: toPbPlan(reply.plan), workflow: toPbWorkflow(reply.workflow) };
      }),
      getWorkflow: this.handlers.unary(async (request: pb.GetWorkflowRequest, caller: Principal, peer: string) => {
        const runId = toRunId(request.runId);
        return runAnswers.answer(await runThrough(this.memory, runId, caller, () => this.scheduler.get(runId, { caller, peer })));
      }),
      // The run is being cancelled: what was remembered of it goes before the reply (onRunWrite).
      cancelWorkflow: this.handlers.unary(async (request: pb.CancelWorkflowRequest, caller: Principal, peer: string) => ({
        workflow: toPbWorkflow(await this.scheduler.cancel(toRunId(request.runId), { caller, peer })),
      })),
      listWorkflows: this.handlers.unary(async (request: pb.ListWorkflowsRequest, caller: Principal, peer: string) => {
        const query = toListWorkflowsQuery(request);
        return runsPageAnswers.answer(await runsPageThrough(this.memory, query, caller, () => this.scheduler.list({ ...query, caller, peer })));
      }),
      // What the scheduler counts now (never kept: a submission or a run's end changes it).
      getWorkflowUsage: this.handlers.unary((_req: pb.GetWorkflowUsageRequest, caller: Principal, peer: string): Promise<pb.GetWorkflowUsageResponse> =>
        this.scheduler.usage({ caller, peer }),
      ),
      watchWorkflow: this.handlers.watch((req: pb.WatchWorkflowRequest, signal, caller: Principal, peer: string) =>
        this.events(req.runId, signal, { caller, peer, rpc: RPC.watchWorkflow }),
      ),
    };
    return { name: 'cairn.v1.WorkflowService', definition: workflowServiceDefinition, implementation };
  }

  /**
   * Every recorded change of the run with its sequence number, from the first, then the
   * live ones, until the run ends: the same events whether the run is running or finished
   * (but `items` events, which are for provenance: see isWatched).
   * A finished run whose changes have expired from the stream (after its max age) gets a
   * snapshot instead: an event per step instance and iteration, then the run, numbered 0.
   */
  private async *events(rawRunId: string, signal: AbortSignal, who: Called): AsyncGenerator<pb.WatchWorkflowResponse> {
    const runId = toRunId(rawRunId);
    // Someone else's run: NOT_FOUND before anything of its stream is read.
    const first = await this.scheduler.get(runId, who);
    // A run's first event is its RUNNING; each run event carries the state on from there.
    let state: WorkflowState = 'RUNNING';
    const changes = followRecord<pb.WatchWorkflowResponse | undefined>(
      this.jetstream,
      {
        stream: streams.workflowEvents.name,
        subject: subjects.workflowEvents(runId),
        finished: isRunFinal(first.state),
        snapshot: () => snapshotOf(first),
        next: (raw) => {
          const event = workflowEventSchema.parse(raw);
          // What a watch has shown, a read on this gateway shows too (never an older record).
          this.memory?.apply(event);
          if (event.run) state = event.run.state;
          return { message: isWatched(event) ? toPbWorkflowEvent(event, state) : undefined, last: event.kind === 'run' && isRunFinal(state) };
        },
      },
      signal,
    );
    // Changes recorded for provenance only (items) are not streamed: their sequences are skipped.
    for await (const message of changes) if (message) yield message;
  }
}

/** A finished run as events numbered 0: one per step instance and iteration, then the run. */
function* snapshotOf(run: WorkflowRecord): Generator<pb.WatchWorkflowResponse> {
  const at = { runId: run.runId, sequence: 0, time: run.updateTime };
  for (const step of run.steps) yield toPbWorkflowEvent({ ...at, kind: 'step', step }, run.state);
  for (const iteration of run.iterations) yield toPbWorkflowEvent({ ...at, kind: 'iteration', iteration }, run.state);
  yield toPbWorkflowEvent({ ...at, kind: 'run', run: { state: run.state, reason: run.reason } }, run.state);
}
