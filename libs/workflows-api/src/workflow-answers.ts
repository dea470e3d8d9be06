import { pb, type WorkflowRecord } from '@cairn/contracts';
import { EncodedOnce } from '@cairn/grpc-server';
import { toPbWorkflow } from './workflow.mapper';
import type { RunsPage } from './workflow-read-memory';

/** GetWorkflow answers, made and encoded once per run record object: one the read memory keeps is answered again unchanged. */
export const runAnswers = new EncodedOnce<WorkflowRecord, pb.GetWorkflowResponse>(
  (run) => ({ workflow: toPbWorkflow(run) }),
  (answer) => pb.GetWorkflowResponse.encode(answer).finish(),
);

/** ListWorkflows answers, made and encoded once per page object (as runAnswers). */
export const runsPageAnswers = new EncodedOnce<RunsPage, pb.ListWorkflowsResponse>(
  (page) => ({ workflows: page.workflows.map(toPbWorkflow), nextPageToken: page.nextPageToken }),
  (answer) => pb.ListWorkflowsResponse.encode(answer).finish(),
);

/** cairn.v1.WorkflowService as the gateway serves it: the generated definition, GetWorkflow's and ListWorkflows' answers encoded once. */
export const workflowServiceDefinition: typeof pb.WorkflowServiceService = {
  ...pb.WorkflowServiceService,
  getWorkflow: { ...pb.WorkflowServiceService.getWorkflow, responseSerialize: runAnswers.serialize },
  listWorkflows: { ...pb.WorkflowServiceService.listWorkflows, responseSerialize: runsPageAnswers.serialize },
};
