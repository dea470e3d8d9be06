import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/**
 * Every job has an owner (identity and POSIX user) and the Slurm account it is charged to.
 * Jobs recorded before (issue 9) get the legacy owner `urn:cairn:legacy` /
 * `before-identities` (POSIX user `nobody`, LEGACY_OWNER in libs/access) and account '':
 * an identity no token carries, so only admins see them. A request id is now unique per
 * owner (one person's request id never finds another's job). Indexes serve the scoped
 * lists: own work, and work charged to a project's account, newest first.
 */
export const m0007OwnerAccount: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .alterTable('jobs')
      .addColumn('owner_issuer', 'text', (c) => c.notNull().defaultTo('urn:cairn:legacy'))
      .addColumn('owner_subject', 'text', (c) => c.notNull().defaultTo('before-identities'))
      .addColumn('owner_name', 'text', (c) => c.notNull().defaultTo('legacy (before identities)'))
      .addColumn('owner_posix_user', 'text', (c) => c.notNull().defaultTo('nobody'))
      .addColumn('account', 'text', (c) => c.notNull().defaultTo(''))
      .execute();
    for (const column of ['owner_issuer', 'owner_subject', 'owner_name', 'owner_posix_user', 'account']) {
      await sql`ALTER TABLE jobs ALTER COLUMN ${sql.ref(column)} DROP DEFAULT`.execute(db);
    }
    await sql`ALTER TABLE jobs DROP CONSTRAINT jobs_request_id_key`.execute(db);
    await sql`CREATE UNIQUE INDEX jobs_owner_request ON jobs (owner_issuer, owner_subject, request_id)`.execute(db);
    await sql`CREATE INDEX jobs_owner_created ON jobs (owner_issuer, owner_subject, created_at DESC, job_id DESC)`.execute(db);
    await sql`CREATE INDEX jobs_account_created ON jobs (account, created_at DESC, job_id DESC)`.execute(db);
  },
};
