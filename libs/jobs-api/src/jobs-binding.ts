import { JetStreamRepository, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import type { GrpcBinding } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { JobsGrpcController } from './jobs.grpc.controller';
import { SchedulerClient } from './scheduler.client';

export interface JobsApiOptions {
  nats: NatsConnection;
  logger: Logger;
  defaultSite: string;
}

/** cairn.v1.JobService, served from the scheduler over NATS. */
export function jobsBinding(options: JobsApiOptions): GrpcBinding {
  return new JobsGrpcController(
    new SchedulerClient(new NatsRequester(options.nats)),
    new JetStreamRepository(options.nats),
    options.defaultSite,
    options.logger.child({ context: 'JobsGrpcController' }),
  ).binding();
}
