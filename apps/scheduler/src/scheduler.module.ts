import { Module } from '@nestjs/common';
import type { TablesOf } from '@cairn/adapters/postgres';
import { AuditModule } from '@cairn/audit';
import { type AuditDb, auditMigrations } from '@cairn/audit-log';
import { JobsModule, jobsSettings, openSchedulerDatabase, type SchedulerDb, SchedulerDatabaseCloser, schedulerMigrations } from '@cairn/jobs';
import { retryPolicyOf, type WorkflowDb, workflowMigrations, WorkflowsModule, workflowRunsInfo, workflowsSettings } from '@cairn/workflows';
import { type TemplateDb, templateMigrations, TemplatesModule } from '@cairn/templates';
import type { ServiceDefinition } from '@cairn/service-kit';

const schedulerSettings = { ...jobsSettings, ...workflowsSettings };

/** The scheduler: jobs, and workflows. */
@Module({})
export class SchedulerModule {}

/** The scheduler service: one database schema, two capabilities and the audit log, each seeing only its own tables (jobs and workflows also append to the audit log). */
export const schedulerService: ServiceDefinition<typeof schedulerSettings> = {
  service: 'scheduler',
  settings: schedulerSettings,
  module: async ({ config, nats, logger }) => {
    const limits = {
      jobsPerPerson: config.maxActiveJobsPerPerson,
      jobsPerProject: config.maxActiveJobsPerProject,
      workflowsPerPerson: config.maxRunningWorkflowsPerPerson,
      workflowsPerProject: config.maxRunningWorkflowsPerProject,
    };
    const database = await openSchedulerDatabase({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      migrations: [schedulerMigrations, workflowMigrations, auditMigrations, templateMigrations],
      logger,
    });
    return {
      module: SchedulerModule,
      // Closed last on shutdown, after every module stopped its work: PGlite gives its directory up cleanly.
      providers: [{ provide: SchedulerDatabaseCloser, useValue: new SchedulerDatabaseCloser(database) }],
      imports: [
        JobsModule.register({
          db: database.db.withTables<TablesOf<SchedulerDb>>(),
          nats,
          logger,
          sites: config.sites,
          dispatchIntervalMs: config.dispatchIntervalMs,
          limits,
          // scheduler.runs.info answers workflow runs too.
          otherRuns: [workflowRunsInfo(database.db.withTables<TablesOf<WorkflowDb>>())],
        }),
        WorkflowsModule.register({
          db: database.db.withTables<TablesOf<WorkflowDb>>(),
          nats,
          logger,
          sites: config.sites,
          engineIntervalMs: config.engineIntervalMs,
          retry: retryPolicyOf(config),
          limits,
        }),
        AuditModule.register({ db: database.db.withTables<TablesOf<AuditDb>>(), nats, logger }),
        TemplatesModule.register({ db: database.db.withTables<TablesOf<TemplateDb>>(), nats, logger }),
      ],
    };
  },
};
