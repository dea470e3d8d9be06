import type { MigrationSet } from '@cairn/adapters/postgres';
import { m0001Jobs } from './0001-jobs';
import { m0004DispatchRetry } from './0004-dispatch-retry';
import { m0006DispatchSent } from './0006-dispatch-sent';
import { m0007OwnerAccount } from './0007-owner-account';
import { m0008ActiveCounts } from './0008-active-counts';
import { m0009ProvenanceFacts } from './0009-provenance-facts';
import { m0010ActiveJobCounters } from './0010-active-job-counters';

/**
 * The job capability's migrations, recorded in its own table: the next one takes the next
 * name after the last here, whatever the other capabilities in the schema number theirs.
 * (0002, 0003 and 0005 were the workflow engine's when the scheduler's migrations shared one table.)
 */
export const schedulerMigrations: MigrationSet = {
  table: 'jobs_migrations',
  migrations: {
    '0001-jobs': m0001Jobs,
    '0004-dispatch-retry': m0004DispatchRetry,
    '0006-dispatch-sent': m0006DispatchSent,
    '0007-owner-account': m0007OwnerAccount,
    '0008-active-counts': m0008ActiveCounts,
    '0009-provenance-facts': m0009ProvenanceFacts,
    '0010-active-job-counters': m0010ActiveJobCounters,
  },
};
