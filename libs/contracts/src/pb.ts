// The generated protobuf types and grpc-js service definitions (ts-proto; never edit the
// generated files: change proto/ and run `npm run codegen`).
export * from './generated/cairn/v1/job_service';
export {
  ArrayPlan,
  LoopPlan,
  PlannedResources,
  StepKind,
  StepPlan,
  SubmitWorkflowRequest,
  SubmitWorkflowResponse,
  WorkflowPlan,
  WorkflowServiceClient,
  WorkflowServiceService,
} from './generated/cairn/v1/workflow_service';
export type { WorkflowServiceServer } from './generated/cairn/v1/workflow_service';
