import { credentials } from '@grpc/grpc-js';
import { pb } from '@cairn/contracts';
import { callUnary, type UnaryMethod } from './jobs.client';

/** Cairn's TypeScript client for cairn.v1.WorkflowService. */
export class WorkflowsClient {
  private readonly client: pb.WorkflowServiceClient;

  constructor(address: string) {
    this.client = new pb.WorkflowServiceClient(address, credentials.createInsecure());
  }

  submitWorkflow(request: Partial<pb.SubmitWorkflowRequest> & { source: string }): Promise<pb.SubmitWorkflowResponse> {
    const full: pb.SubmitWorkflowRequest = { fileName: '', dryRun: false, site: '', ...request };
    return callUnary(this.client, this.client.submitWorkflow as UnaryMethod<pb.SubmitWorkflowRequest, pb.SubmitWorkflowResponse>, full, 60_000);
  }

  close(): void {
    this.client.close();
  }
}
