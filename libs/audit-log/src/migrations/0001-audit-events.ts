import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/**
 * The audit log, append-only: no code path updates or deletes it, and a trigger refuses
 * UPDATE, DELETE and TRUNCATE, so a bug (or a query typed by hand into the scheduler's
 * connection) cannot rewrite history. Removing old records is an operator's act on the
 * database, with the trigger disabled by its owner (docs/security.md, "Audit log").
 */
export const m0001AuditEvents: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('audit_events')
      .addColumn('seq', 'bigserial', (c) => c.primaryKey())
      .addColumn('event_id', 'uuid', (c) => c.notNull().unique())
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .addColumn('rpc', 'text', (c) => c.notNull())
      .addColumn('ids', 'jsonb', (c) => c.notNull())
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('posix_user', 'text', (c) => c.notNull())
      .addColumn('peer', 'text', (c) => c.notNull())
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .execute();
    await sql`CREATE INDEX audit_events_at ON audit_events (at DESC, event_id DESC)`.execute(db);
    await sql`CREATE INDEX audit_events_subject ON audit_events (subject, at DESC, event_id DESC)`.execute(db);
    await sql`CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP; END $$`.execute(db);
    await sql`CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`.execute(db);
    await sql`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`.execute(db);
  },
};
