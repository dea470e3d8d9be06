// The generated protobuf types and grpc-js service definitions (ts-proto; never edit the
// generated files: change proto/ and run `npm run codegen`).
export * from './generated/cairn/v1/job_service';
export {
  ArrayPlan,
  CancelWorkflowRequest,
  CancelWorkflowResponse,
  GetWorkflowRequest,
  GetWorkflowResponse,
  GetWorkflowUsageRequest,
  GetWorkflowUsageResponse,
  ItemCounts,
  ListWorkflowsRequest,
  ListWorkflowsResponse,
  LoopIteration,
  LoopPlan,
  PlannedResources,
  StepKind,
  StepPlan,
  StepState,
  SubmitWorkflowRequest,
  SubmitWorkflowResponse,
  WatchWorkflowRequest,
  WatchWorkflowResponse,
  Workflow,
  WorkflowPlan,
  WorkflowState,
  WorkflowStep,
  WorkflowServiceClient,
  WorkflowServiceService,
} from './generated/cairn/v1/workflow_service';
export type { WorkflowServiceServer } from './generated/cairn/v1/workflow_service';
export { WhoAmIRequest, WhoAmIResponse, IdentityServiceClient, IdentityServiceService } from './generated/cairn/v1/identity_service';
export type { IdentityServiceServer } from './generated/cairn/v1/identity_service';
export { Owner, RunUsage } from './generated/cairn/v1/owner';
export { AuditEvent, AuditServiceClient, AuditServiceService, ListAuditEventsRequest, ListAuditEventsResponse } from './generated/cairn/v1/audit_service';
export type { AuditServiceServer } from './generated/cairn/v1/audit_service';
export {
  DeleteTemplateRequest,
  DeleteTemplateResponse,
  GetTemplateRequest,
  GetTemplateResponse,
  ListTemplatesRequest,
  ListTemplatesResponse,
  PublishTemplateRequest,
  PublishTemplateResponse,
  RunTemplateRequest,
  RunTemplateResponse,
  Template,
  TemplateParameter,
  TemplateParameterType,
  TemplateServiceClient,
  TemplateServiceService,
} from './generated/cairn/v1/template_service';
export type { TemplateServiceServer } from './generated/cairn/v1/template_service';
export { ListSitesRequest, ListSitesResponse, Site, SitePartition, SiteServiceClient, SiteServiceService } from './generated/cairn/v1/site_service';
export type { SiteServiceServer } from './generated/cairn/v1/site_service';
export {
  ExportFormat,
  ExportRunRequest,
  ExportRunResponse,
  GetRunProvenanceRequest,
  GetRunProvenanceResponse,
  LineageDirection,
  LineageRequest,
  LineageResponse,
  ProvEdge,
  ProvKind,
  ProvNode,
  ProvenanceServiceClient,
  ProvenanceServiceService,
  RerunRequest,
  RerunResponse,
} from './generated/cairn/v1/provenance_service';
export type { ProvenanceServiceServer } from './generated/cairn/v1/provenance_service';
export {
  EvictImageRequest,
  EvictImageResponse,
  ImageServiceClient,
  ImageServiceService,
  ListImagesRequest,
  ListImagesResponse,
  MaterializeImageRequest,
  MaterializeImageResponse,
  MaterializePhase,
  Platform,
  ResolvedImage,
  ResolveImageRequest,
  ResolveImageResponse,
  SiteImage,
} from './generated/cairn/v1/image_service';
export type { ImageServiceServer } from './generated/cairn/v1/image_service';
