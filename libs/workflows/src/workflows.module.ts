import { type DynamicModule, Module } from '@nestjs/common';
import { DEFAULT_RUN_LIMITS, type RunLimits } from '@cairn/access';
import { subjects } from '@cairn/contracts';
import { JetStreamRepository, JobsClient, type NatsConnection, NatsImagePrewarm, NatsRequester, OutboxRelay } from '@cairn/adapters/nats';
import type { Kysely } from '@cairn/adapters/postgres';
import type { Logger } from '@cairn/logging';
import { PeriodicLoop } from '@cairn/service-kit';
import { NatsJobsPort, NatsSitePort } from './engine-ports';
import { DEFAULT_TRANSIENT_RETRY, type TransientRetryPolicy } from './transient-retries';
import { WorkflowEngine } from './workflow-engine';
import { WorkflowPlanningService } from './workflow-planning.service';
import { WorkflowRunService } from './workflow-run.service';
import { WorkflowStore } from './workflow.store';
import type { WorkflowDb } from './workflow.tables';
import { WorkflowsNatsController } from './workflows.nats.controller';
import { WorkflowsRuntime } from './workflows-runtime';

export interface WorkflowsModuleOptions {
  db: Kysely<WorkflowDb>;
  nats: NatsConnection;
  logger: Logger;
  sites: readonly string[];
  /** How often the engine looks at running workflows when nothing wakes it. */
  engineIntervalMs: number;
  /** How the engine retries a site that does not answer, and for how long. */
  retry?: TransientRetryPolicy;
  /** How much unfinished work a person and a project may have (default DEFAULT_RUN_LIMITS). */
  limits?: RunLimits;
}

/** The scheduler's workflow capability: planning and running workflows. */
@Module({})
export class WorkflowsModule {
  static register(options: WorkflowsModuleOptions): DynamicModule {
    const { logger } = options;
    const requester = new NatsRequester(options.nats);
    const jetstream = new JetStreamRepository(options.nats);
    const store = new WorkflowStore(options.db);
    const planning = new WorkflowPlanningService(requester, options.sites);
    const engine = new WorkflowEngine(
      store,
      new NatsJobsPort(new JobsClient(requester)),
      new NatsSitePort(requester, (site) => planning.describe(site)),
      logger.child({ context: 'WorkflowEngine' }),
      () => new Date(),
      options.retry ?? DEFAULT_TRANSIENT_RETRY,
    );
    const publisher = new OutboxRelay(
      jetstream,
      { rows: store, owner: (row) => row.run_id, subject: (runId) => subjects.workflowEvents(runId), data: (row) => row.payload, ownerField: 'runId', what: 'workflow event' },
      logger.child({ context: 'WorkflowEventPublisher' }),
    );
    const publisherLoop = new PeriodicLoop('workflow-events', 500, () => publisher.tick(), logger.child({ context: 'WorkflowEventPublisher' }));
    const engineLoop = new PeriodicLoop(
      'workflow-engine',
      options.engineIntervalMs,
      async () => {
        // A run whose job just ended is advanced first and its events published at once.
        await engine.tick(() => publisherLoop.wake());
        publisherLoop.wake();
      },
      logger.child({ context: 'WorkflowEngine' }),
    );
    const prewarmLog = logger.child({ context: 'ImagePrewarm' });
    const prewarm = new NatsImagePrewarm(options.nats, (error, message) =>
      prewarmLog.warn({ err: error, site: message.site, pinned: message.image.pinned, runId: message.runId }, 'images.prewarm not published; the job path will materialise the image'),
    );
    const runs = new WorkflowRunService(store, planning, { engine: engineLoop, outbox: publisherLoop }, logger.child({ context: 'WorkflowRunService' }), options.limits ?? DEFAULT_RUN_LIMITS, prewarm);
    return {
      module: WorkflowsModule,
      controllers: [WorkflowsNatsController],
      providers: [
        { provide: WorkflowPlanningService, useValue: planning },
        { provide: WorkflowRunService, useValue: runs },
        { provide: WorkflowsRuntime, useValue: new WorkflowsRuntime(options.nats, jetstream, engineLoop, publisherLoop, (event) => engine.noteEnded(event)) },
      ],
    };
  }
}

/** The workflow runs among these ids (scheduler.runs.info, answered by the jobs capability beside its own jobs). */
export function workflowRunsInfo(db: Kysely<WorkflowDb>): Pick<WorkflowStore, 'runsInfo'> {
  return new WorkflowStore(db);
}
