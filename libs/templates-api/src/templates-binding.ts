import { type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import type { Door, GrpcBinding, WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { TemplatesClient } from './templates.client';
import { type RunReplyMappers, TemplatesGrpcController } from './templates.grpc.controller';

export interface TemplatesApiOptions {
  nats: NatsConnection;
  logger: Logger;
  defaultSite: string;
  /** The workflow service's mappers of a plan and a run (a run's reply is SubmitWorkflow's). */
  mappers: RunReplyMappers;
  watchLimiter: WatchLimiter;
  /** Lets in only authenticated, mapped callers; share one between the services of a gateway. */
  door: Door;
}

/** cairn.v1.TemplateService, served from the scheduler over NATS. */
export function templatesBinding(options: TemplatesApiOptions): GrpcBinding {
  return new TemplatesGrpcController(
    new TemplatesClient(new NatsRequester(options.nats)),
    options.defaultSite,
    options.mappers,
    options.logger.child({ context: 'TemplatesGrpcController' }),
    options.watchLimiter,
    options.door,
  ).binding();
}
