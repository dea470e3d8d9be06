import { type KeysetKey, keysetPage, type Kysely, type Selectable } from '@cairn/adapters/postgres';
import { jsonBytes, type ListAuditQuery } from '@cairn/contracts';
import { type AuditEntry, auditRow, toAuditRecord } from './audit-row';
import type { AuditDb, AuditEventsTable } from './audit.tables';

type AuditRow = Selectable<AuditEventsTable>;
const auditKey: KeysetKey<AuditRow> = { createdAtColumn: 'at', idColumn: 'event_id', createdAt: (row) => row.at, id: (row) => row.event_id };

/** The audit log's own reads and writes: appends (at most once per event id) and pages, newest first. No update, no delete. */
export class AuditStore {
  constructor(private readonly db: Kysely<AuditDb>) {}

  /** Appends one record; a second append of the same event id changes nothing. */
  async append(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values(auditRow(entry))
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute();
  }

  /** A page of records, newest first, filtered by subject, outcome and time. */
  async list(query: Omit<ListAuditQuery, 'caller' | 'peer'>) {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (query.subject !== undefined) q = q.where('subject', '=', query.subject);
    if (query.outcome !== undefined) q = q.where('outcome', '=', query.outcome);
    if (query.since !== undefined) q = q.where('at', '>=', new Date(query.since));
    if (query.until !== undefined) q = q.where('at', '<', new Date(query.until));
    const { rows, nextPageToken } = await keysetPage(q, query, auditKey, 'ListAuditEvents', (row) => jsonBytes(toAuditRecord(row)));
    return { events: rows.map(toAuditRecord), nextPageToken };
  }
}
