import { JetStreamRepository, JobsClient, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import type { Door, GrpcBinding, WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { JobsGrpcController } from './jobs.grpc.controller';

export interface JobsApiOptions {
  nats: NatsConnection;
  logger: Logger;
  defaultSite: string;
  /** Caps the watch streams; share one between the services of a gateway. */
  watchLimiter: WatchLimiter;
  /** Lets in only authenticated, mapped callers; share one between the services of a gateway. */
  door: Door;
}

/** cairn.v1.JobService, served from the scheduler over NATS. */
export function jobsBinding(options: JobsApiOptions): GrpcBinding {
  return new JobsGrpcController(
    new JobsClient(new NatsRequester(options.nats)),
    new JetStreamRepository(options.nats),
    options.defaultSite,
    options.logger.child({ context: 'JobsGrpcController' }),
    options.watchLimiter,
    options.door,
  ).binding();
}
