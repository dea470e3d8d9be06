export { GatewayError } from './gateway-call';
export {
  bearerCallCredentials,
  callMetadata,
  checkBearerToken,
  type ClientOptions,
  MAX_TOKEN_BYTES,
  type TokenProvider,
  type TokenSource,
} from './client-options';
export { AuditClient } from './audit.client';
export { IdentityClient } from './identity.client';
export { ImagesClient } from './images.client';
export { JobsClient } from './jobs.client';
export { ProvenanceClient } from './provenance.client';
export type { ExportChunk, ExportFormatName, LineageDirectionName, LineageOptions, LineageStart, LineageWalk, RunGraph } from './provenance.client';
export { SitesClient } from './sites.client';
export { TemplatesClient } from './templates.client';
export { WorkflowsClient } from './workflows.client';
