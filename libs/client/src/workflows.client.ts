import { pb } from '@cairn/contracts';
import { channelCredentials, channelOptions, type ClientOptions, callMetadata } from './client-options';
import { callUnary, readStream, required, type UnaryMethod } from './gateway-call';

/**
 * Cairn's TypeScript client for cairn.v1.WorkflowService: promises for unary calls, an
 * async iterator for WatchWorkflow, errors as GatewayError.
 */
export class WorkflowsClient {
  private readonly client: pb.WorkflowServiceClient;

  constructor(
    address: string,
    private readonly options: ClientOptions = {},
  ) {
    this.client = new pb.WorkflowServiceClient(address, channelCredentials(options), channelOptions());
  }

  private async call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, deadlineMs: number): Promise<Res> {
    return callUnary(this.client, method, request, deadlineMs, await callMetadata(this.options.token));
  }

  /** Plans (dryRun) or starts a run; with a requestId, a repeated submission returns the first run. */
  submitWorkflow(request: Partial<pb.SubmitWorkflowRequest> & { source: string }): Promise<pb.SubmitWorkflowResponse> {
    const full: pb.SubmitWorkflowRequest = { fileName: '', dryRun: false, site: '', requestId: '', account: '', ...request };
    return this.call(this.client.submitWorkflow as UnaryMethod<pb.SubmitWorkflowRequest, pb.SubmitWorkflowResponse>, full, 60_000);
  }
  getWorkflow(runId: string): Promise<pb.Workflow> {
    return this.call(this.client.getWorkflow as UnaryMethod<pb.GetWorkflowRequest, pb.GetWorkflowResponse>, { runId }, 30_000).then((r) =>
      required(r.workflow, 'workflow'),
    );
  }
  cancelWorkflow(runId: string): Promise<pb.Workflow> {
    return this.call(this.client.cancelWorkflow as UnaryMethod<pb.CancelWorkflowRequest, pb.CancelWorkflowResponse>, { runId }, 30_000).then(
      (r) => required(r.workflow, 'workflow'),
    );
  }
  /** Your running workflow runs, and each of your accounts', against the run limits (docs/limits.md). */
  getWorkflowUsage(): Promise<pb.GetWorkflowUsageResponse> {
    return this.call(this.client.getWorkflowUsage as UnaryMethod<pb.GetWorkflowUsageRequest, pb.GetWorkflowUsageResponse>, {}, 30_000);
  }

  listWorkflows(request: Partial<pb.ListWorkflowsRequest>): Promise<pb.ListWorkflowsResponse> {
    const full: pb.ListWorkflowsRequest = { pageSize: 0, pageToken: '', states: [], namePrefix: '', ...request };
    return this.call(this.client.listWorkflows as UnaryMethod<pb.ListWorkflowsRequest, pb.ListWorkflowsResponse>, full, 30_000);
  }

  /**
   * The run as it is now (every step instance and iteration, then the run), then every
   * change until the run ends; ends quietly when `signal` aborts, throws a GatewayError
   * when the stream fails.
   */
  watchWorkflow(runId: string, signal?: AbortSignal): AsyncGenerator<pb.WatchWorkflowResponse> {
    return readStream(async () => this.client.watchWorkflow({ runId }, await callMetadata(this.options.token)), signal);
  }

  close(): void {
    this.client.close();
  }
}
