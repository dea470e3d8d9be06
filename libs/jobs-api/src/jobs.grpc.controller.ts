import type { ServerWritableStream, ServiceError } from '@grpc/grpc-js';
import { isFinal, jobEventSchema, pb, subjects } from '@cairn/contracts';
import type { JetStreamRepository } from '@cairn/adapters/nats';
import { type GrpcBinding, toServiceError, unary } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { toJobId, toListQuery, toOutputQuery, toPbEvent, toPbJob, toSubmitCommand } from './job.mapper';
import type { SchedulerClient } from './scheduler.client';

/** Binds cairn.v1.JobService: translate, delegate to the scheduler, translate back. */
export class JobsGrpcController {
  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly jetstream: JetStreamRepository,
    private readonly defaultSite: string,
    private readonly logger: Logger,
  ) {}

  binding(): GrpcBinding {
    const implementation: pb.JobServiceServer = {
      submitJob: this.unary(async (req: pb.SubmitJobRequest) => {
        const { spec, requestId } = toSubmitCommand(req, this.defaultSite);
        return { job: toPbJob(await this.scheduler.submit(spec, requestId)) };
      }),
      getJob: this.unary(async (req: pb.GetJobRequest) => ({ job: toPbJob(await this.scheduler.get(toJobId(req.jobId))) })),
      cancelJob: this.unary(async (req: pb.CancelJobRequest) => ({
        job: toPbJob(await this.scheduler.cancel(toJobId(req.jobId))),
      })),
      listJobs: this.unary(async (req: pb.ListJobsRequest) => {
        const page = await this.scheduler.list(toListQuery(req));
        return { jobs: page.jobs.map(toPbJob), nextPageToken: page.nextPageToken };
      }),
      getJobOutput: this.unary(async (req: pb.GetJobOutputRequest) => {
        const out = await this.scheduler.output(toOutputQuery(req));
        return { data: out.data, truncated: out.truncated };
      }),
      watchJob: (call) => void this.watch(call),
    };
    return { name: 'cairn.v1.JobService', definition: pb.JobServiceService, implementation };
  }

  private unary<Req, Res>(handler: (req: Req) => Promise<Res>) {
    return unary(handler, this.logger);
  }

  private async watch(call: ServerWritableStream<pb.WatchJobRequest, pb.WatchJobResponse>): Promise<void> {
    const abort = new AbortController();
    call.on('cancelled', () => abort.abort());
    try {
      const jobId = toJobId(call.request.jobId);
      await this.scheduler.get(jobId);
      for await (const raw of this.jetstream.follow(subjects.jobEvents(jobId), abort.signal)) {
        const event = jobEventSchema.parse(raw);
        call.write(toPbEvent(event));
        if (isFinal(event.state)) break;
      }
      call.end();
    } catch (error) {
      if (abort.signal.aborted) return;
      call.destroy(toServiceError(error) as ServiceError);
    }
  }
}
