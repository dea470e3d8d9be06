export { GrpcServerHost } from './grpc-server.host';
export type { GrpcBinding, GrpcServerOptions } from './grpc-server.host';
export { toServiceError } from './status-codes';
export { GrpcServerModule } from './grpc-server.module';
export { unary } from './unary';
export type { UnaryHandler } from './unary';
export { pageRequest } from './page-request';
