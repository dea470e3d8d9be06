import { type Called, isFinal, jobEventSchema, type JobRecord, pb, type Principal, RPC, streams, subjects } from '@cairn/contracts';
import { followRecord, type JetStreamRepository, type JobsClient } from '@cairn/adapters/nats';
import { type Door, type GrpcBinding, type GrpcHandlers, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { toJobId, toListQuery, toOutputQuery, toPbEvent, toPbJob, toSubmitCommand } from './job.mapper';
import { type JobListMemory, listThrough, type ListPage, type ListPageQuery } from './job-list-memory';
import { JobReadJoins } from './job-read-joins';
import type { JobReadModel } from './job-read-model';
import { jobServiceDefinition } from './job-service.definition';
import { listAnswers } from './list-answers';

/** Binds cairn.v1.JobService: translate, delegate to the scheduler, translate back. */
export class JobsGrpcController {
  private readonly handlers: GrpcHandlers;
  /** GetJob through the read model, misses of the same job at the same moment joined (one scheduler request). */
  private readonly joins?: JobReadJoins;

  constructor(
    private readonly scheduler: JobsClient,
    private readonly jetstream: JetStreamRepository,
    private readonly defaultSite: string,
    logger: Logger,
    watchLimiter: WatchLimiter,
    door: Door,
    /** Answers GetJob (and a watch's first look) from memory when it can; the scheduler otherwise. */
    private readonly model?: JobReadModel,
    /** Answers ListJobs from the pages the scheduler gave while no job has changed since (ADR 0019). */
    private readonly lists?: JobListMemory,
  ) {
    this.handlers = grpcHandlers(logger, watchLimiter, door);
    this.joins = model ? new JobReadJoins(model) : undefined;
  }

  binding(): GrpcBinding {
    const implementation: pb.JobServiceServer = {
      // Every call carries who calls (the door's caller) and from where (the peer): the
      // scheduler applies the access policy and writes the audit log (libs/access). A GetJob
      // the read model answers is one the same policy lets the caller read (ADR 0017).
      submitJob: this.handlers.unary(async (req: pb.SubmitJobRequest, caller: Principal, peer: string) => {
        const { spec, requestId } = toSubmitCommand(req, this.defaultSite);
        // Remembered before the reply: a read after this answer finds the job.
        return { job: toPbJob(await this.changing(() => this.scheduler.submit(spec, requestId, { caller, peer }))) };
      }),
      getJob: this.handlers.unary(async (req: pb.GetJobRequest, caller: Principal, peer: string) => ({
        job: toPbJob(await this.read(toJobId(req.jobId), { caller, peer })),
      })),
      cancelJob: this.handlers.unary(async (req: pb.CancelJobRequest, caller: Principal, peer: string) => ({
        job: toPbJob(await this.changing(() => this.scheduler.cancel(toJobId(req.jobId), { caller, peer }))),
      })),
      listJobs: this.handlers.unary(async (req: pb.ListJobsRequest, caller: Principal, peer: string) => {
        return listAnswers.answer(await this.list(toListQuery(req), { caller, peer }));
      }),
      getJobOutput: this.handlers.unary(async (req: pb.GetJobOutputRequest, caller: Principal, peer: string) => {
        const out = await this.scheduler.output({ ...toOutputQuery(req), caller, peer });
        return { data: out.data, truncated: out.truncated };
      }),
      // What the scheduler counts now (never kept: a submission or an ending changes it).
      getJobUsage: this.handlers.unary((_req: pb.GetJobUsageRequest, caller: Principal, peer: string): Promise<pb.GetJobUsageResponse> => this.scheduler.usage({ caller, peer })),
      watchJob: this.handlers.watch((req: pb.WatchJobRequest, signal, caller: Principal, peer: string) => this.events(req.jobId, signal, { caller, peer, rpc: RPC.watchJob })),
    };
    return { name: 'cairn.v1.JobService', definition: jobServiceDefinition, implementation };
  }

  /**
   * The job from the read model when it holds it and the caller may read it; otherwise the
   * scheduler's answer (its access policy, its NOT_FOUND and audit record), then remembered;
   * a miss while the scheduler's answer for the job is under way waits for it and reads the
   * model again (JobReadJoins).
   */
  private read(jobId: string, who: Called): Promise<JobRecord> {
    const ask = () => this.scheduler.get(jobId, who);
    return this.joins ? this.joins.read(jobId, who.caller, ask) : ask();
  }

  /** The scheduler's answer, remembered by the read model (which keeps the newer of what it holds). */
  private async remembered(ask: () => Promise<JobRecord>): Promise<JobRecord> {
    const mark = this.model?.mark();
    const job = await ask();
    if (mark) this.model?.remember(job, mark);
    return job;
  }

  /**
   * A SubmitJob or CancelJob: the answer is remembered, and since it inserted or changed a job,
   * no list page of a scope holding the job is current any more (dropped before the reply is
   * sent: a list after the acknowledgement asks the scheduler, which committed the change).
   */
  private async changing(ask: () => Promise<JobRecord>): Promise<JobRecord> {
    let job: JobRecord | undefined;
    try {
      job = await this.remembered(ask);
      return job;
    } finally {
      // Also when the answer did not come (a time-out): the change may have been committed (then every page goes).
      this.lists?.changed(job);
    }
  }

  /** The page from memory when no job changed since the scheduler gave it for this scope and query; the scheduler otherwise. */
  private list(query: ListPageQuery, who: Called): Promise<ListPage> {
    return listThrough(this.lists, query, who.caller, () => this.scheduler.list({ ...query, ...who }));
  }

  /**
   * Every recorded change of the job with its sequence number, from the first, then the
   * live ones, until the final state. A finished job whose changes have expired from the
   * stream (after its max age) gets its record as one event numbered 0.
   */
  private async *events(rawJobId: string, signal: AbortSignal, who: Called): AsyncGenerator<pb.WatchJobResponse> {
    const jobId = toJobId(rawJobId);
    // Someone else's job: NOT_FOUND before anything of its stream is read.
    const job = await this.read(jobId, who);
    yield* followRecord(
      this.jetstream,
      {
        stream: streams.jobEvents.name,
        subject: subjects.jobEvents(jobId),
        finished: isFinal(job.state),
        snapshot: () => [toPbEvent({ jobId, sequence: 0, state: job.state, exitCode: job.exitCode, slurmJobId: job.slurmJobId, reason: job.reason, time: job.updateTime })],
        next: (raw) => {
          const event = jobEventSchema.parse(raw);
          // What a watch has shown, a GetJob on this gateway shows too (never an older state).
          this.model?.apply(event);
          this.lists?.apply(event);
          return { message: toPbEvent(event), last: isFinal(event.state) };
        },
      },
      signal,
    );
  }
}
