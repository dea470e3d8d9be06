export { JobsModule } from './jobs.module';
export type { JobsModuleOptions } from './jobs.module';
export { JobService } from './job.service';
export { JobStore, toJobRecord } from './job.store';
export { schedulerMigrations } from './migrations';
export { SCHEDULER_SCHEMA } from './jobs.tables';
export type { SchedulerDb } from './jobs.tables';
