import { type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import { pb } from '@cairn/contracts';
import { type Door, type GrpcBinding, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { listSites } from './site-status';
import { SITE_STATUS_TIMEOUT_MS } from './sites-settings';

export interface SitesApiOptions {
  nats: NatsConnection;
  logger: Logger;
  /** The sites to list (sitesToList: CAIRN_SITES and the default site). */
  sites: readonly string[];
  watchLimiter: WatchLimiter;
  door: Door;
  /** How long to wait for each agent (default SITE_STATUS_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * cairn.v1.SiteService, through the same door as every service: anyone signed in may list
 * the sites. Each agent is asked over NATS (`cairn.site.<site>.agent.status`), all at once.
 */
export function sitesBinding(options: SitesApiOptions): GrpcBinding {
  const requester = new NatsRequester(options.nats);
  const handlers = grpcHandlers(options.logger.child({ context: 'SitesGrpcController' }), options.watchLimiter, options.door);
  const timeoutMs = options.timeoutMs ?? SITE_STATUS_TIMEOUT_MS;
  const implementation: pb.SiteServiceServer = {
    listSites: handlers.unary((_request: pb.ListSitesRequest) => listSites(requester, options.sites, timeoutMs)),
  };
  return { name: 'cairn.v1.SiteService', definition: pb.SiteServiceService, implementation };
}
