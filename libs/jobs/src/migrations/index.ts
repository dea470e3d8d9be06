import type { Migration } from '@cairn/adapters/postgres';
import { m0001Jobs } from './0001-jobs';
import { m0004DispatchRetry } from './0004-dispatch-retry';
import { m0006DispatchSent } from './0006-dispatch-sent';

/** The job capability's migrations (the workflow engine's 0002 and 0003 sit between them). */
export const schedulerMigrations: Record<string, Migration> = { '0001-jobs': m0001Jobs, '0004-dispatch-retry': m0004DispatchRetry, '0006-dispatch-sent': m0006DispatchSent };
