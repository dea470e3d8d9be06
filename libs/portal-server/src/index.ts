export { portalSettings } from './portal-settings';
export { portalServer, preparePortalSocket, PortalServerModule } from './portal-server.module';
export type { GatewayPortal, PortalWiring } from './portal-server.module';
export { apiRoutes, findRoute } from './api-routes';
export type { ApiRoute } from './api-routes';
export { checkSingleMessage, encodeGrpcMessage, messageFrame, parseGrpcTimeout, readFrames, trailerFrame } from './grpc-web-frames';
export type { Frame } from './grpc-web-frames';
