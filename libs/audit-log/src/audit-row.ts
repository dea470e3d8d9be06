import { randomUUID } from 'node:crypto';
import type { Insertable, Selectable } from '@cairn/adapters/postgres';
import { type AuditOutcome, type AuditRecord, excerpt, replaceControls } from '@cairn/contracts';
import type { AuditEventsTable } from './audit.tables';

/** Who an audit record names: the caller, or nobody known (a denial before identification). */
export interface AuditWho {
  issuer: string;
  subject: string;
  name: string;
  posixUser: string;
}

/** What a service records about one call. */
export interface AuditEntry {
  /** Set when the record may arrive twice (a door event from the stream); new otherwise. */
  eventId?: string;
  at: Date;
  rpc: string;
  ids: readonly string[];
  who?: AuditWho;
  peer?: string;
  outcome: AuditOutcome;
  reason?: string;
}

const MAX_REASON = 1024;
const MAX_IDS = 16;

/**
 * The row of an audit entry, for a store to insert in the transaction of the change it
 * records (`tx.insertInto('audit_events').values(auditRow(entry))`). Texts are cut to the
 * record's bounds; a reason is the error's message, which never carries a token.
 */
export function auditRow(entry: AuditEntry): Insertable<AuditEventsTable> {
  const reason = oneLine(entry.reason ?? '');
  return {
    event_id: entry.eventId ?? randomUUID(),
    at: entry.at,
    rpc: entry.rpc.slice(0, 128),
    ids: JSON.stringify(entry.ids.slice(0, MAX_IDS).map((id) => (id.length > 128 ? excerpt(id, 100) : id))),
    issuer: entry.who?.issuer ?? '',
    subject: entry.who?.subject ?? '',
    name: entry.who?.name ?? '',
    posix_user: entry.who?.posixUser ?? '',
    peer: (entry.peer ?? '').slice(0, 256),
    outcome: entry.outcome,
    reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 3)}...` : reason,
  };
}

export function toAuditRecord(row: Selectable<AuditEventsTable>): AuditRecord {
  return {
    eventId: row.event_id,
    time: new Date(row.at).toISOString(),
    rpc: row.rpc,
    ids: row.ids,
    issuer: row.issuer,
    subject: row.subject,
    name: row.name,
    posixUser: row.posix_user,
    peer: row.peer,
    outcome: row.outcome,
    reason: oneLine(row.reason),
  };
}

/**
 * A reason as one line of text, as an audit record holds it: an error listing several
 * problems (one a line, e.g. a workflow file's) reads "first; second", and any other
 * control character is shown as U+FFFD, so every record can be read back.
 */
export function oneLine(text: string): string {
  return replaceControls(text.replace(/\r\n|\n|\r/g, '; '), '\t');
}
