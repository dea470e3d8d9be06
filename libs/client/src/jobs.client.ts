import { type ClientReadableStream, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { pb } from '@cairn/contracts';

/** An error from the gateway: its gRPC status name and the message it sent. */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }
}

export function wrap(error: ServiceError): GatewayError {
  const codeName = status[error.code] ?? String(error.code);
  const message = error.code === status.UNAVAILABLE && !error.details ? 'gateway unreachable' : error.details || error.message;
  return new GatewayError(error.code, codeName, message);
}

export type UnaryMethod<Req, Res> = (req: Req, md: Metadata, opts: object, cb: (e: ServiceError | null, r: Res) => void) => unknown;

/** Calls a grpc-js unary method as a promise, with a deadline; errors as GatewayError. */
export function callUnary<Req, Res>(client: object, method: UnaryMethod<Req, Res>, request: Req, deadlineMs: number): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, new Metadata(), { deadline: Date.now() + deadlineMs }, (error, response) =>
      error ? reject(wrap(error)) : resolve(response),
    );
  });
}

/**
 * Cairn's TypeScript client for cairn.v1.JobService: promises for unary calls, an async
 * iterator for WatchJob, errors as GatewayError.
 */
export class JobsClient {
  private readonly client: pb.JobServiceClient;

  constructor(address: string) {
    this.client = new pb.JobServiceClient(address, credentials.createInsecure());
  }

  private call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, deadlineMs: number): Promise<Res> {
    return callUnary(this.client, method, request, deadlineMs);
  }

  submitJob(request: pb.SubmitJobRequest): Promise<pb.SubmitJobResponse> {
    return this.call(this.client.submitJob as UnaryMethod<pb.SubmitJobRequest, pb.SubmitJobResponse>, request, 60_000);
  }
  getJob(jobId: string): Promise<pb.Job> {
    return this.call(this.client.getJob as UnaryMethod<pb.GetJobRequest, pb.GetJobResponse>, { jobId }, 30_000).then(
      (r) => r.job as pb.Job,
    );
  }
  cancelJob(jobId: string): Promise<pb.Job> {
    return this.call(this.client.cancelJob as UnaryMethod<pb.CancelJobRequest, pb.CancelJobResponse>, { jobId }, 30_000).then(
      (r) => r.job as pb.Job,
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

  /** Every state change of the job, until its final state. */
  async *watchJob(jobId: string, signal?: AbortSignal): AsyncGenerator<pb.WatchJobResponse> {
    const stream: ClientReadableStream<pb.WatchJobResponse> = this.client.watchJob({ jobId });
    const cancel = () => stream.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const event of stream) yield event as pb.WatchJobResponse;
    } catch (error) {
      if ((error as ServiceError).code === status.CANCELLED && signal?.aborted) return;
      throw wrap(error as ServiceError);
    } finally {
      signal?.removeEventListener('abort', cancel);
      stream.cancel();
    }
  }

  close(): void {
    this.client.close();
  }
}
