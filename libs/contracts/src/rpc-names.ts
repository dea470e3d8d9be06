/**
 * The public RPCs by their full gRPC method, as the audit log names them (the gateway's
 * door names denials the same way, from the call's path).
 */
export const RPC = {
  submitJob: '/cairn.v1.JobService/SubmitJob',
  getJob: '/cairn.v1.JobService/GetJob',
  listJobs: '/cairn.v1.JobService/ListJobs',
  cancelJob: '/cairn.v1.JobService/CancelJob',
  watchJob: '/cairn.v1.JobService/WatchJob',
  getJobOutput: '/cairn.v1.JobService/GetJobOutput',
  getJobUsage: '/cairn.v1.JobService/GetJobUsage',
  submitWorkflow: '/cairn.v1.WorkflowService/SubmitWorkflow',
  getWorkflow: '/cairn.v1.WorkflowService/GetWorkflow',
  listWorkflows: '/cairn.v1.WorkflowService/ListWorkflows',
  cancelWorkflow: '/cairn.v1.WorkflowService/CancelWorkflow',
  watchWorkflow: '/cairn.v1.WorkflowService/WatchWorkflow',
  getWorkflowUsage: '/cairn.v1.WorkflowService/GetWorkflowUsage',
  listAuditEvents: '/cairn.v1.AuditService/ListAuditEvents',
  listTemplates: '/cairn.v1.TemplateService/ListTemplates',
  getTemplate: '/cairn.v1.TemplateService/GetTemplate',
  publishTemplate: '/cairn.v1.TemplateService/PublishTemplate',
  deleteTemplate: '/cairn.v1.TemplateService/DeleteTemplate',
  runTemplate: '/cairn.v1.TemplateService/RunTemplate',
  getRunProvenance: '/cairn.v1.ProvenanceService/GetRunProvenance',
  lineage: '/cairn.v1.ProvenanceService/Lineage',
  exportRun: '/cairn.v1.ProvenanceService/ExportRun',
  rerun: '/cairn.v1.ProvenanceService/Rerun',
  resolveImage: '/cairn.v1.ImageService/ResolveImage',
  materializeImage: '/cairn.v1.ImageService/MaterializeImage',
  listImages: '/cairn.v1.ImageService/ListImages',
  evictImage: '/cairn.v1.ImageService/EvictImage',
} as const;
