import { join } from 'node:path';
import { z } from 'zod';
import { databaseSettings, intIn, setting } from '@cairn/config';
import { SITE_PATTERN } from '@cairn/contracts';
import { openDatabase } from '@cairn/adapters/postgres';
import { Module } from '@nestjs/common';
import { JobsModule, SCHEDULER_SCHEMA, type SchedulerDb, schedulerMigrations } from '@cairn/jobs';
import { WorkflowsModule } from '@cairn/workflows';
import { runService } from '@cairn/service-kit';

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
  },
  module: async ({ config, nats, logger }) => {
    const database = await openDatabase<SchedulerDb>({
      url: config.databaseUrl,
      embeddedDir: join(config.dataDir, 'scheduler', 'pglite'),
      schema: SCHEDULER_SCHEMA,
      migrations: schedulerMigrations,
    });
    logger.info({ embedded: database.embedded }, 'database ready');
    return {
      module: SchedulerModule,
      imports: [
        JobsModule.register({ db: database.db, nats, logger, sites: config.sites, dispatchIntervalMs: config.dispatchIntervalMs }),
        WorkflowsModule.register({ nats, sites: config.sites }),
      ],
    };
  },
});
