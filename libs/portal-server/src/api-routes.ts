import type { ServiceDefinition } from '@grpc/grpc-js';

/** One method the bridge forwards: its gRPC path and whether the server streams. */
export interface ApiRoute {
  /** "/cairn.v1.JobService/GetJob" */
  path: string;
  serverStreaming: boolean;
}

/** The prefix of the portal's API on its origin: `/api/<package.Service>/<Method>`. */
export const API_PREFIX = '/api/';

/**
 * The bridge's routing table, built from the grpc-js service definitions the gateway serves
 * (so it answers exactly those methods): unary and server-streaming methods only; client or
 * bidirectional streams are not reachable from a browser and are left out.
 */
export function apiRoutes(definitions: ServiceDefinition[]): Map<string, ApiRoute> {
  const routes = new Map<string, ApiRoute>();
  for (const definition of definitions) {
    for (const method of Object.values(definition)) {
      if (method.requestStream) continue;
      routes.set(method.path, { path: method.path, serverStreaming: method.responseStream });
    }
  }
  return routes;
}

/** The route of a request path (`/api/cairn.v1.JobService/GetJob`), or undefined. */
export function findRoute(routes: Map<string, ApiRoute>, urlPath: string): ApiRoute | undefined {
  if (!urlPath.startsWith(API_PREFIX)) return undefined;
  const path = urlPath.slice(API_PREFIX.length - 1);
  // Exactly /<package.Service>/<Method>: nothing percent-encoded, no query, no dot segments.
  if (!/^\/[A-Za-z0-9_.]+\/[A-Za-z0-9_]+$/.test(path)) return undefined;
  return routes.get(path);
}
