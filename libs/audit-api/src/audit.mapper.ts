import { type AuditRecord, auditOutcomeSchema, CairnError, type ListAuditQuery, parseOrThrow, pb, safeText } from '@cairn/contracts';
import { pageRequest } from '@cairn/grpc-server';

/** A ListAuditEventsRequest as the scheduler's query, but for who calls (the controller adds that). */
export function toListAuditQuery(request: pb.ListAuditEventsRequest): Omit<ListAuditQuery, 'caller' | 'peer' | 'rpc'> {
  if (request.pageSize < 0) throw new CairnError('INVALID_ARGUMENT', 'page_size: must not be negative');
  const { pageSize, pageToken } = pageRequest({ pageSize: request.pageSize, pageToken: request.pageToken, namePrefix: '' });
  const since = isoTime(request.since, 'since');
  const until = isoTime(request.until, 'until');
  if (since && until && new Date(since).getTime() >= new Date(until).getTime()) throw new CairnError('INVALID_ARGUMENT', 'since: must be before until');
  return {
    pageSize,
    ...(pageToken ? { pageToken } : {}),
    ...(request.subject ? { subject: parseOrThrow(safeText(256), request.subject, 'subject') } : {}),
    ...(request.outcome ? { outcome: parseOrThrow(auditOutcomeSchema, request.outcome, 'outcome') } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
}

/** A filter time as ISO 8601, between the years 1970 and 9999 (what the log can hold). */
function isoTime(at: Date | undefined, field: string): string | undefined {
  if (at === undefined) return undefined;
  const year = at.getUTCFullYear();
  if (Number.isNaN(at.getTime()) || year < 1970 || year > 9999) throw new CairnError('INVALID_ARGUMENT', `${field}: must be a time between the years 1970 and 9999`);
  return at.toISOString();
}

export function toPbAuditEvent(record: AuditRecord): pb.AuditEvent {
  return {
    eventId: record.eventId,
    time: new Date(record.time),
    rpc: record.rpc,
    ids: record.ids,
    issuer: record.issuer,
    subject: record.subject,
    name: record.name,
    posixUser: record.posixUser,
    peer: record.peer,
    outcome: record.outcome,
    reason: record.reason,
  };
}
