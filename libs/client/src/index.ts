export { GatewayError, JobsClient } from './jobs.client';
