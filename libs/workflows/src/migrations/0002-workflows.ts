import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/** Workflow runs, step instances, their jobs, loop iterations and the event outbox. */
export const m0002Workflows: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('workflow_runs')
      .addColumn('run_id', 'uuid', (c) => c.primaryKey())
      .addColumn('request_id', 'text', (c) => c.unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('workflow', 'jsonb', (c) => c.notNull())
      .addColumn('plan', 'jsonb', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('cancel_requested_at', 'timestamptz')
      .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('ended_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('workflow_runs_created').on('workflow_runs').columns(['created_at desc', 'run_id desc']).execute();
    await sql`CREATE INDEX workflow_runs_active ON workflow_runs (created_at) WHERE state = 'RUNNING'`.execute(db);
    await db.schema
      .createTable('workflow_nodes')
      .addColumn('run_id', 'uuid', (c) => c.notNull().references('workflow_runs.run_id'))
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('ord', 'bigserial')
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('iteration', 'integer', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('requeues', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('gen', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('items', 'jsonb')
      .addColumn('item_exit', 'jsonb')
      .addColumn('retry_at', 'timestamptz')
      .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('started_at', 'timestamptz')
      .addColumn('ended_at', 'timestamptz')
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('workflow_nodes_pk', ['run_id', 'key'])
      .execute();
    await db.schema
      .createTable('workflow_jobs')
      .addColumn('request_id', 'text', (c) => c.primaryKey())
      .addColumn('run_id', 'uuid', (c) => c.notNull().references('workflow_runs.run_id'))
      .addColumn('node_key', 'text', (c) => c.notNull())
      .addColumn('gen', 'integer', (c) => c.notNull())
      .addColumn('chunk', 'integer', (c) => c.notNull())
      .addColumn('spec', 'jsonb', (c) => c.notNull())
      .addColumn('item_indices', 'jsonb')
      .addColumn('job_id', 'uuid')
      .addColumn('attempt_id', 'uuid')
      .addColumn('state', 'text')
      .addColumn('exit_code', 'integer')
      .addColumn('slurm_job_id', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('final', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('cancel_sent', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('workflow_jobs_run').on('workflow_jobs').columns(['run_id', 'node_key', 'gen']).execute();
    await db.schema
      .createTable('workflow_iterations')
      .addColumn('run_id', 'uuid', (c) => c.notNull().references('workflow_runs.run_id'))
      .addColumn('loop_key', 'text', (c) => c.notNull())
      .addColumn('iteration', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('metrics', 'jsonb', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('stop', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('started_at', 'timestamptz', (c) => c.notNull())
      .addColumn('ended_at', 'timestamptz')
      .addPrimaryKeyConstraint('workflow_iterations_pk', ['run_id', 'loop_key', 'iteration'])
      .execute();
    await db.schema
      .createTable('workflow_events')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('run_id', 'uuid', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('payload', 'jsonb', (c) => c.notNull())
      .addColumn('published', 'boolean', (c) => c.notNull().defaultTo(false))
      .addUniqueConstraint('workflow_events_run_seq', ['run_id', 'seq'])
      .execute();
    await sql`CREATE INDEX workflow_events_unpublished ON workflow_events (id) WHERE NOT published`.execute(db);
  },
};
