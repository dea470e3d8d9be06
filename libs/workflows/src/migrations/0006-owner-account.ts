import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/**
 * Every workflow run has an owner (identity and POSIX user) and the Slurm account its jobs
 * are charged to; the engine submits the run's jobs on the owner's behalf with that
 * account. Runs recorded before (issue 9) get the legacy owner `urn:cairn:legacy` /
 * `before-identities` (POSIX user `nobody`, LEGACY_OWNER in libs/access) and account '':
 * only admins see them, and a legacy run still RUNNING fails the steps it starts after the
 * upgrade (no account to charge). A request id is now unique per owner. Indexes serve the
 * scoped lists: own runs, and runs charged to a project's account, newest first.
 */
export const m0006OwnerAccount: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('workflow_runs')
      .addColumn('owner_issuer', 'text', (c) => c.notNull().defaultTo('urn:cairn:legacy'))
      .addColumn('owner_subject', 'text', (c) => c.notNull().defaultTo('before-identities'))
      .addColumn('owner_name', 'text', (c) => c.notNull().defaultTo('legacy (before identities)'))
      .addColumn('owner_posix_user', 'text', (c) => c.notNull().defaultTo('nobody'))
      .addColumn('account', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    for (const column of ['owner_issuer', 'owner_subject', 'owner_name', 'owner_posix_user', 'account']) {
      await sql`ALTER TABLE workflow_runs ALTER COLUMN ${sql.ref(column)} DROP DEFAULT`.execute(db);
    }
    await sql`ALTER TABLE workflow_runs DROP CONSTRAINT workflow_runs_request_id_key`.execute(db);
    await sql`CREATE UNIQUE INDEX workflow_runs_owner_request ON workflow_runs (owner_issuer, owner_subject, request_id)`.execute(db);
    await sql`CREATE INDEX workflow_runs_owner_created ON workflow_runs (owner_issuer, owner_subject, created_at DESC, run_id DESC)`.execute(db);
    await sql`CREATE INDEX workflow_runs_account_created ON workflow_runs (account, created_at DESC, run_id DESC)`.execute(db);
  },
};
