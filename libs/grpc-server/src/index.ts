export { GrpcServerHost } from './grpc-server.host';
export type { GrpcBinding, GrpcServerOptions } from './grpc-server.host';
export { toServiceError } from './status-codes';
