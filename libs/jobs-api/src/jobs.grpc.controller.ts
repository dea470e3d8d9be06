import { type Called, isFinal, jobEventSchema, pb, type Principal, RPC, streams, subjects } from '@cairn/contracts';
import { followRecord, type JetStreamRepository, type JobsClient } from '@cairn/adapters/nats';
import { type Door, type GrpcBinding, type GrpcHandlers, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { toJobId, toListQuery, toOutputQuery, toPbEvent, toPbJob, toSubmitCommand } from './job.mapper';
import { jobServiceDefinition } from './job-service.definition';

/** Binds cairn.v1.JobService: translate, delegate to the scheduler, translate back. */
export class JobsGrpcController {
  private readonly handlers: GrpcHandlers;

  constructor(
    private readonly scheduler: JobsClient,
    private readonly jetstream: JetStreamRepository,
    private readonly defaultSite: string,
    logger: Logger,
    watchLimiter: WatchLimiter,
    door: Door,
  ) {
    this.handlers = grpcHandlers(logger, watchLimiter, door);
  }

  binding(): GrpcBinding {
    const implementation: pb.JobServiceServer = {
      // Every call carries who calls (the door's caller) and from where (the peer): the
      // scheduler applies the access policy and writes the audit log (libs/access).
      submitJob: this.handlers.unary(async (req: pb.SubmitJobRequest, caller: Principal, peer: string) => {
        const { spec, requestId } = toSubmitCommand(req, this.defaultSite);
        return { job: toPbJob(await this.scheduler.submit(spec, requestId, { caller, peer })) };
      }),
      getJob: this.handlers.unary(async (req: pb.GetJobRequest, caller: Principal, peer: string) => ({
        job: toPbJob(await this.scheduler.get(toJobId(req.jobId), { caller, peer })),
      })),
      cancelJob: this.handlers.unary(async (req: pb.CancelJobRequest, caller: Principal, peer: string) => ({
        job: toPbJob(await this.scheduler.cancel(toJobId(req.jobId), { caller, peer })),
      })),
      listJobs: this.handlers.unary(async (req: pb.ListJobsRequest, caller: Principal, peer: string) => {
        const page = await this.scheduler.list({ ...toListQuery(req), caller, peer });
        return { jobs: page.jobs.map(toPbJob), nextPageToken: page.nextPageToken };
      }),
      getJobOutput: this.handlers.unary(async (req: pb.GetJobOutputRequest, caller: Principal, peer: string) => {
        const out = await this.scheduler.output({ ...toOutputQuery(req), caller, peer });
        return { data: out.data, truncated: out.truncated };
      }),
      watchJob: this.handlers.watch((req: pb.WatchJobRequest, signal, caller: Principal, peer: string) => this.events(req.jobId, signal, { caller, peer, rpc: RPC.watchJob })),
    };
    return { name: 'cairn.v1.JobService', definition: jobServiceDefinition, implementation };
  }

  /**
   * Every recorded change of the job with its sequence number, from the first, then the
   * live ones, until the final state. A finished job whose changes have expired from the
   * stream (after its max age) gets its record as one event numbered 0.
   */
  private async *events(rawJobId: string, signal: AbortSignal, who: Called): AsyncGenerator<pb.WatchJobResponse> {
    const jobId = toJobId(rawJobId);
    // Someone else's job: NOT_FOUND before anything of its stream is read.
    const job = await this.scheduler.get(jobId, who);
    yield* followRecord(
      this.jetstream,
      {
        stream: streams.jobEvents.name,
        subject: subjects.jobEvents(jobId),
        finished: isFinal(job.state),
        snapshot: () => [toPbEvent({ jobId, sequence: 0, state: job.state, exitCode: job.exitCode, slurmJobId: job.slurmJobId, reason: job.reason, time: job.updateTime })],
        next: (raw) => {
          const event = jobEventSchema.parse(raw);
          return { message: toPbEvent(event), last: isFinal(event.state) };
        },
      },
      signal,
    );
  }
}
