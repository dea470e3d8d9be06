import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/**
 * The per-person and per-project limits on unfinished jobs (libs/access, run-limits)
 * count a person's and an account's jobs not yet finished, submitted directly: a
 * workflow's own jobs (spec.run set) count toward their run instead. `workflow_run` says
 * which run a job belongs to (null: submitted directly), filled for existing jobs from
 * their spec; partial indexes keep the counts cheap.
 */
export const m0008ActiveCounts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('jobs').addColumn('workflow_run', 'uuid').execute();
    await sql`UPDATE jobs SET workflow_run = (spec->'run'->>'id')::uuid WHERE spec ? 'run'`.execute(db);
    await sql`CREATE INDEX jobs_active_owner ON jobs (owner_issuer, owner_subject) WHERE state IN ('ACCEPTED', 'PENDING', 'RUNNING') AND workflow_run IS NULL`.execute(db);
    await sql`CREATE INDEX jobs_active_account ON jobs (account) WHERE state IN ('ACCEPTED', 'PENDING', 'RUNNING') AND workflow_run IS NULL`.execute(db);
  },
};
