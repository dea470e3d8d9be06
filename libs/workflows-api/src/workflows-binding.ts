import { JetStreamRepository, type NatsConnection, NatsRequester, WorkflowsClient } from '@cairn/adapters/nats';
import type { Door, GrpcBinding, WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { WorkflowsGrpcController } from './workflows.grpc.controller';

export interface WorkflowsApiOptions {
  nats: NatsConnection;
  logger: Logger;
  defaultSite: string;
  /** Caps the watch streams; share one between the services of a gateway. */
  watchLimiter: WatchLimiter;
  /** Lets in only authenticated, mapped callers; share one between the services of a gateway. */
  door: Door;
}

/** cairn.v1.WorkflowService, served from the scheduler over NATS. */
export function workflowsBinding(options: WorkflowsApiOptions): GrpcBinding {
  return new WorkflowsGrpcController(
    new WorkflowsClient(new NatsRequester(options.nats)),
    new JetStreamRepository(options.nats),
    options.defaultSite,
    options.logger.child({ context: 'WorkflowsGrpcController' }),
    options.watchLimiter,
    options.door,
  ).binding();
}
