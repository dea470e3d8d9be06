// The generated Protobuf-ES messages and service descriptors alone (no DOM, no React), for
// code outside the browser that speaks to the portal as it does: the e2e suites in Node
// (`@cairn/portal-client/protos`). The browser imports them from `@cairn/portal-client`.
export * from './gen/cairn/v1/audit_service_pb';
export * from './gen/cairn/v1/identity_service_pb';
export * from './gen/cairn/v1/image_service_pb';
export * from './gen/cairn/v1/job_service_pb';
export * from './gen/cairn/v1/owner_pb';
export * from './gen/cairn/v1/provenance_service_pb';
export * from './gen/cairn/v1/site_service_pb';
export * from './gen/cairn/v1/template_service_pb';
export * from './gen/cairn/v1/workflow_service_pb';
