import { JetStreamRepository, JobsClient, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import type { Door, GrpcBinding, WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { fanOut, followJobEvents } from './job-events-follower';
import { JobListMemory } from './job-list-memory';
import { JobReadModel } from './job-read-model';
import { JobsGrpcController } from './jobs.grpc.controller';

export interface JobsApiOptions {
  nats: NatsConnection;
  logger: Logger;
  defaultSite: string;
  /** Caps the watch streams; share one between the services of a gateway. */
  watchLimiter: WatchLimiter;
  /** Lets in only authenticated, mapped callers; share one between the services of a gateway. */
  door: Door;
  /** Keep the read model (default true); false sends every GetJob to the scheduler (benchmarks compare both). */
  readModel?: boolean;
  /** Keep the memory of list pages (default: as readModel); false sends every ListJobs to the scheduler. */
  listMemory?: boolean;
}

/**
 * cairn.v1.JobService, served from the scheduler over NATS; GetJob from the gateway's read
 * model when it holds the job (fed by CAIRN_JOB_EVENTS for the connection's lifetime, ADR 0017),
 * ListJobs from the pages the scheduler gave while no job changed since (ADR 0019).
 */
export function jobsBinding(options: JobsApiOptions): GrpcBinding {
  const jetstream = new JetStreamRepository(options.nats);
  const model = options.readModel === false ? undefined : new JobReadModel();
  const lists = (options.listMemory ?? options.readModel) === false ? undefined : new JobListMemory();
  const sinks = [model, lists].filter((s) => s !== undefined);
  if (sinks.length > 0) followJobEvents(fanOut(...sinks), options.nats, jetstream, options.logger.child({ context: 'JobReadModel' }));
  return new JobsGrpcController(
    new JobsClient(new NatsRequester(options.nats)),
    jetstream,
    options.defaultSite,
    options.logger.child({ context: 'JobsGrpcController' }),
    options.watchLimiter,
    options.door,
    model,
    lists,
  ).binding();
}
