import { type AuditRecord, auditOutcomeSchema, CairnError, type ListAuditQuery, parseOrThrow, pb, safeText } from '@cairn/contracts';
import { pageRequest } from '@cairn/grpc-server';

/** A ListAuditEventsRequest as the scheduler's query, but for who calls (the controller adds that). */
export function toListAuditQuery(request: pb.ListAuditEventsRequest): Omit<ListAuditQuery, 'caller' | 'peer' | 'rpc'> {
  if (request.pageSize < 0) throw new CairnError('INVALID_ARGUMENT', 'page_size: must not be negative');
  const { pageSize, pageToken } = pageRequest({ pageSize: request.pageSize, pageToken: request.pageToken, namePrefix: '' });
  const since = request.since?.toISOString();
  const until = request.until?.toISOString();
  if (since && until && since >= until) throw new CairnError('INVALID_ARGUMENT', 'since: must be before until');
  return {
    pageSize,
    ...(pageToken ? { pageToken } : {}),
    ...(request.subject ? { subject: parseOrThrow(safeText(256), request.subject, 'subject') } : {}),
    ...(request.outcome ? { outcome: parseOrThrow(auditOutcomeSchema, request.outcome, 'outcome') } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
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
