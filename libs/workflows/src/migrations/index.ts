import type { MigrationSet } from '@cairn/adapters/postgres';
import { m0002Workflows } from './0002-workflows';
import { m0003ItemSeconds } from './0003-item-seconds';
import { m0005TransientRetries } from './0005-transient-retries';
import { m0006OwnerAccount } from './0006-owner-account';
import { m0007RunningCounts } from './0007-running-counts';
import { m0008RerunOf } from './0008-rerun-of';
import { m0009RunningRunCounters } from './0009-running-run-counters';

/**
 * The workflow engine's migrations (tables in the scheduler's schema), recorded in its own
 * table: the next one takes the next name after the last here, whatever the job
 * capability numbers its own. (0001, 0004 and 0006 were the jobs' when the scheduler's
 * migrations shared one table.)
 */
export const workflowMigrations: MigrationSet = {
  table: 'workflow_migrations',
  migrations: {
    '0002-workflows': m0002Workflows,
    '0003-item-seconds': m0003ItemSeconds,
    '0005-transient-retries': m0005TransientRetries,
    '0006-owner-account': m0006OwnerAccount,
    '0007-running-counts': m0007RunningCounts,
    '0008-rerun-of': m0008RerunOf,
    '0009-running-run-counters': m0009RunningRunCounters,
  },
};
