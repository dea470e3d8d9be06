import type { Migration } from '@cairn/adapters/postgres';
import { m0002Workflows } from './0002-workflows';
import { m0003ItemSeconds } from './0003-item-seconds';
import { m0005TransientRetries } from './0005-transient-retries';

/** The workflow engine's migrations (in the scheduler's schema, after the jobs' 0001). */
export const workflowMigrations: Record<string, Migration> = {
  '0002-workflows': m0002Workflows,
  '0003-item-seconds': m0003ItemSeconds,
  '0005-transient-retries': m0005TransientRetries,
};
