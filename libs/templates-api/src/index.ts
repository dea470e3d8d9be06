export { templatesBinding } from './templates-binding';
export type { TemplatesApiOptions } from './templates-binding';
export type { RunReplyMappers } from './templates.grpc.controller';
