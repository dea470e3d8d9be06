import { type DynamicModule, Module } from '@nestjs/common';
import type { RunLimits } from '@cairn/access';
import { subjects } from '@cairn/contracts';
import { JetStreamRepository, type NatsConnection, NatsImagePrewarm, NatsRequester, OutboxRelay } from '@cairn/adapters/nats';
import type { Kysely } from '@cairn/adapters/postgres';
import type { Logger } from '@cairn/logging';
import { PeriodicLoop } from '@cairn/service-kit';
import { Dispatcher } from './dispatcher';
import { JobService } from './job.service';
import { JobStore, toJobEvent } from './job.store';
import { JobsNatsController } from './jobs.nats.controller';
import { PrewarmOnce } from './prewarm-once';
import { RunsInfo, type RunsInfoSource } from './runs-info';
import type { SchedulerDb } from './jobs.tables';
import { SchedulerRuntime } from './scheduler-runtime';
import { SubmitMany } from './submit-many';

export interface JobsModuleOptions {
  db: Kysely<SchedulerDb>;
  nats: NatsConnection;
  logger: Logger;
  sites: readonly string[];
  dispatchIntervalMs: number;
  /** How much unfinished work a person and a project may have (default DEFAULT_RUN_LIMITS). */
  limits?: RunLimits;
  /** The scheduler's other runs (workflow runs), answered beside the jobs on scheduler.runs.info. */
  otherRuns?: readonly RunsInfoSource[];
}

/** The scheduler's job capability, wired. */
@Module({})
export class JobsModule {
  static register(options: JobsModuleOptions): DynamicModule {
    const { logger } = options;
    const store = new JobStore(options.db);
    const requester = new NatsRequester(options.nats);
    const jetstream = new JetStreamRepository(options.nats);
    const outbox = new OutboxRelay(
      jetstream,
      { rows: store, owner: (row) => row.job_id, subject: (jobId) => subjects.jobEvents(jobId), data: toJobEvent, ownerField: 'jobId', what: 'job event' },
      logger.child({ context: 'OutboxPublisher' }),
    );
    const outboxLoop = new PeriodicLoop('outbox', 500, () => outbox.tick(), logger.child({ context: 'OutboxPublisher' }));
    const dispatcher = new Dispatcher(store, requester, logger.child({ context: 'Dispatcher' }), () => outboxLoop.wake());
    const dispatchLoop = new PeriodicLoop(
      'dispatcher',
      options.dispatchIntervalMs,
      () => dispatcher.tick(),
      logger.child({ context: 'Dispatcher' }),
    );
    const jobs = new JobService(
      store,
      requester,
      { sites: options.sites, ...(options.limits ? { limits: options.limits } : {}) },
      { dispatcher: dispatchLoop, outbox: outboxLoop },
      logger.child({ context: 'JobService' }),
      // One prewarm per (site, image) per PREWARM_REPEAT_MS: a burst of jobs asks once.
      new PrewarmOnce(imagePrewarm(options.nats, logger)),
    );
    return {
      module: JobsModule,
      controllers: [JobsNatsController],
      providers: [
        { provide: JobService, useValue: jobs },
        { provide: SubmitMany, useValue: new SubmitMany(jobs, logger.child({ context: 'JobsNatsController' })) },
        { provide: RunsInfo, useValue: new RunsInfo([store, ...(options.otherRuns ?? [])]) },
        {
          provide: SchedulerRuntime,
          useValue: new SchedulerRuntime(jetstream, jobs, [outboxLoop, dispatchLoop], logger.child({ context: 'SchedulerRuntime' })),
        },
      ],
    };
  }
}

/** Publishes images.prewarm for accepted runs; a publish that fails is logged and changes nothing else. */
export function imagePrewarm(nats: NatsConnection, logger: Logger): NatsImagePrewarm {
  const log = logger.child({ context: 'ImagePrewarm' });
  return new NatsImagePrewarm(nats, (error, message) =>
    log.warn({ err: error, site: message.site, pinned: message.image.pinned, runId: message.runId }, 'images.prewarm not published; the job path will materialise the image'),
  );
}
