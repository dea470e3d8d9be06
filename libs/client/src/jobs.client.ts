import { pb } from '@cairn/contracts';
import { channelCredentials, channelOptions, type ClientOptions, callMetadata } from './client-options';
import { callUnary, readStream, required, type UnaryMethod } from './gateway-call';

/**
 * Cairn's TypeScript client for cairn.v1.JobService: promises for unary calls, an async
 * iterator for WatchJob, errors as GatewayError.
 */
export class JobsClient {
  private readonly client: pb.JobServiceClient;

  constructor(
    address: string,
    private readonly options: ClientOptions = {},
  ) {
    this.client = new pb.JobServiceClient(address, channelCredentials(options), channelOptions());
  }

  private async call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, deadlineMs: number): Promise<Res> {
    return callUnary(this.client, method, request, deadlineMs, await callMetadata(this.options.token));
  }

  /** `account`: the Slurm account to charge (one of yours); empty or absent for your default. */
  submitJob(request: Omit<pb.SubmitJobRequest, 'account'> & { account?: string }): Promise<pb.SubmitJobResponse> {
    const full: pb.SubmitJobRequest = { account: '', ...request };
    return this.call(this.client.submitJob as UnaryMethod<pb.SubmitJobRequest, pb.SubmitJobResponse>, full, 60_000);
  }
  getJob(jobId: string): Promise<pb.Job> {
    return this.call(this.client.getJob as UnaryMethod<pb.GetJobRequest, pb.GetJobResponse>, { jobId }, 30_000).then((r) =>
      required(r.job, 'job'),
    );
  }
  cancelJob(jobId: string): Promise<pb.Job> {
    return this.call(this.client.cancelJob as UnaryMethod<pb.CancelJobRequest, pb.CancelJobResponse>, { jobId }, 30_000).then((r) =>
      required(r.job, 'job'),
    );
  }
  listJobs(request: Partial<pb.ListJobsRequest>): Promise<pb.ListJobsResponse> {
    const full: pb.ListJobsRequest = { pageSize: 0, pageToken: '', states: [], site: '', namePrefix: '', ...request };
    return this.call(this.client.listJobs as UnaryMethod<pb.ListJobsRequest, pb.ListJobsResponse>, full, 30_000);
  }
  getJobOutput(request: Partial<pb.GetJobOutputRequest> & { jobId: string }): Promise<pb.GetJobOutputResponse> {
    const full: pb.GetJobOutputRequest = { stream: pb.OutputStream.OUTPUT_STREAM_STDOUT, maxBytes: 0, ...request };
    return this.call(this.client.getJobOutput as UnaryMethod<pb.GetJobOutputRequest, pb.GetJobOutputResponse>, full, 30_000);
  }

  /** Your unfinished jobs, and each of your accounts', against the run limits (docs/limits.md). */
  getJobUsage(): Promise<pb.GetJobUsageResponse> {
    return this.call(this.client.getJobUsage as UnaryMethod<pb.GetJobUsageRequest, pb.GetJobUsageResponse>, {}, 30_000);
  }

  /** Every state change of the job, until its final state; ends quietly when `signal` aborts. */
  watchJob(jobId: string, signal?: AbortSignal): AsyncGenerator<pb.WatchJobResponse> {
    return readStream(async () => this.client.watchJob({ jobId }, await callMetadata(this.options.token)), signal);
  }

  close(): void {
    this.client.close();
  }
}
