/**
 * How long a caller waits for the scheduler's reply on each NATS request, in ms: the one
 * set of time-outs the gateway and the workflow engine share (through the typed clients
 * in @cairn/adapters/nats). Submissions resolve an image and may take longer; a workflow
 * submission plans and records the whole run.
 */
export const schedulerTimeouts = {
  submitJob: 30_000,
  getJob: 10_000,
  jobsById: 10_000,
  listJobs: 10_000,
  cancelJob: 10_000,
  jobUsage: 10_000,
  jobOutputPage: 15_000,
  planWorkflow: 30_000,
  submitWorkflow: 60_000,
  getWorkflow: 10_000,
  listWorkflows: 10_000,
  cancelWorkflow: 10_000,
  workflowUsage: 10_000,
  listAudit: 10_000,
} as const;

export type SchedulerTimeouts = { readonly [K in keyof typeof schedulerTimeouts]: number };
