import { join } from 'node:path';
import { z } from 'zod';
import { databaseSettings, engineRetrySettings, intIn, setting } from '@cairn/config';
import { SITE_PATTERN } from '@cairn/contracts';
import { type Kysely, openDatabase } from '@cairn/adapters/postgres';
import { Module } from '@nestjs/common';
import { JobsModule, SCHEDULER_SCHEMA, type SchedulerDb, schedulerMigrations } from '@cairn/jobs';
import { type WorkflowDb, workflowMigrations, WorkflowsModule } from '@cairn/workflows';
import { runService } from '@cairn/service-kit';

const DATABASE = Symbol('scheduler database');

/** The scheduler: jobs, and workflows. */
@Module({})
class SchedulerModule {}

void runService({
  service: 'scheduler',
  settings: {
    ...databaseSettings,
    sites: setting(
      'CAIRN_SITES',
      z
        .string()
        .default('dev')
        .transform((s) => s.split(',').map((x) => x.trim()))
        .refine((sites) => sites.every((x) => SITE_PATTERN.test(x)), 'expected comma-separated site names'),
      'the sites (clusters) jobs may go to',
    ),
    dispatchIntervalMs: setting('CAIRN_DISPATCH_INTERVAL_MS', intIn(50, 60_000, 1000), 'how often undelivered commands are retried'),
    ...engineRetrySettings,
    engineIntervalMs: setting('CAIRN_ENGINE_INTERVAL_MS', intIn(50, 60_000, 1000), 'how often the workflow engine looks at running workflows (job events wake it sooner)'),
  },
  module: async ({ config, nats, logger }) => {
    // One schema, two capabilities: each sees only its own tables.
    const database = await openDatabase<SchedulerDb>({
      url: config.databaseUrl,
      embeddedDir: join(config.dataDir, 'scheduler', 'pglite'),
      schema: SCHEDULER_SCHEMA,
      migrations: { ...schedulerMigrations, ...workflowMigrations },
    });
    if (database.clearedStaleHolder) logger.warn({ holder: database.clearedStaleHolder }, 'cleared the embedded database lock of a process that is gone');
    logger.info({ embedded: database.embedded }, 'database ready');
    return {
      module: SchedulerModule,
      // Closed last on shutdown, after every module stopped its work: PGlite gives its directory up cleanly.
      providers: [{ provide: DATABASE, useValue: { onApplicationShutdown: () => database.close() } }],
      imports: [
        JobsModule.register({ db: database.db, nats, logger, sites: config.sites, dispatchIntervalMs: config.dispatchIntervalMs }),
        WorkflowsModule.register({
          db: database.db as unknown as Kysely<WorkflowDb>,
          nats,
          logger,
          sites: config.sites,
          engineIntervalMs: config.engineIntervalMs,
          retry: { firstDelayMs: config.engineRetryFirstMs, maxDelayMs: config.engineRetryMaxMs, budgetMs: config.engineUnreachableSeconds * 1000 },
        }),
      ],
    };
  },
});
