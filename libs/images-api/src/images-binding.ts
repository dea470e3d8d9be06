import { type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import type { Door, GrpcBinding, WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { NatsProgressSource } from './image-progress';
import { ImagesGrpcController } from './images.grpc.controller';
import { NatsImageRequests } from './images.requests';

export interface ImagesApiOptions {
  nats: NatsConnection;
  logger: Logger;
  /** The site a request that names none is for. */
  defaultSite: string;
  /** The sites the gateway serves (CAIRN_SITES with the default site): any other is refused (INVALID_ARGUMENT). */
  sites: readonly string[];
  /** Caps the streams (MaterializeImage counts with the watches); share one between the services of a gateway. */
  watchLimiter: WatchLimiter;
  /** Lets in only authenticated, mapped callers, and records refusals; share one between the services of a gateway. */
  door: Door;
}

/** cairn.v1.ImageService, served from the images service over NATS (progress from the sites' agents). */
export function imagesBinding(options: ImagesApiOptions): GrpcBinding {
  return new ImagesGrpcController(
    new NatsImageRequests(new NatsRequester(options.nats)),
    new NatsProgressSource(options.nats),
    { defaultSite: options.defaultSite, sites: options.sites },
    options.logger.child({ context: 'ImagesGrpcController' }),
    options.watchLimiter,
    options.door,
  ).binding();
}
