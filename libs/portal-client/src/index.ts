export * from './transport';
export * from './gen/cairn/v1/audit_service_pb';
export * from './gen/cairn/v1/identity_service_pb';
export * from './gen/cairn/v1/job_service_pb';
export * from './gen/cairn/v1/owner_pb';
export * from './gen/cairn/v1/site_service_pb';
export * from './gen/cairn/v1/template_service_pb';
export * from './gen/cairn/v1/workflow_service_pb';
