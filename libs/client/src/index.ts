export { GatewayError } from './gateway-call';
export { JobsClient } from './jobs.client';
export { WorkflowsClient } from './workflows.client';
