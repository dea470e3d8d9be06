export { GatewayError, JobsClient } from './jobs.client';
export { WorkflowsClient } from './workflows.client';
