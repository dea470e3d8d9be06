import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

export const m0001Jobs: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('jobs')
      .addColumn('job_id', 'uuid', (c) => c.primaryKey())
      .addColumn('request_id', 'text', (c) => c.unique())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('spec', 'jsonb', (c) => c.notNull())
      .addColumn('image_pinned', 'text', (c) => c.notNull())
      .addColumn('image_digest', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('exit_code', 'integer')
      .addColumn('slurm_job_id', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
      .addColumn('attempt_id', 'uuid', (c) => c.notNull().unique())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('dispatched_at', 'timestamptz')
      .addColumn('cancel_requested_at', 'timestamptz')
      .addColumn('cancel_delivered_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('jobs_created').on('jobs').columns(['created_at desc', 'job_id desc']).execute();
    await db.schema.createIndex('jobs_state').on('jobs').column('state').execute();
    await db.schema
      .createTable('job_transitions')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('job_id', 'uuid', (c) => c.notNull().references('jobs.job_id'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('exit_code', 'integer')
      .addColumn('slurm_job_id', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addColumn('published', 'boolean', (c) => c.notNull().defaultTo(false))
      .addUniqueConstraint('job_transitions_job_seq', ['job_id', 'seq'])
      .execute();
    await sql`CREATE INDEX job_transitions_unpublished ON job_transitions (id) WHERE NOT published`.execute(db);
  },
};
