import { canReadAudit } from '@cairn/access';
import type { AuditStore } from '@cairn/audit-log';
import { type AuditRecord, denied, type DoorAuditEvent, type ListAuditQuery, ownerOf, RPC } from '@cairn/contracts';

/** The audit log's reads (admins only) and the door's denials arriving from the gateway. */
export class AuditLogService {
  constructor(private readonly store: AuditStore) {}

  /**
   * A page of the log for an admin. Anyone else gets PERMISSION_DENIED (the log is one
   * service-wide object whose existence is no secret: NOT_FOUND would hide nothing), and
   * the refusal is itself recorded.
   */
  async list(query: ListAuditQuery): Promise<{ events: AuditRecord[]; nextPageToken: string }> {
    const { caller, peer, rpc, ...filters } = query;
    if (!canReadAudit(caller)) {
      const reason = `the audit log is for admins only; ${caller.name} is not an admin`;
      await this.store.append({ at: new Date(), rpc: rpc ?? RPC.listAuditEvents, ids: [], who: ownerOf(caller), peer, outcome: 'PERMISSION_DENIED', reason });
      throw denied(`${reason} (admins are the members of the configured admin group)`);
    }
    return this.store.list(filters);
  }

  /** A denial at the gateway's door (stream CAIRN_AUDIT): recorded once, however often it is delivered. */
  async recordDoorEvent(event: DoorAuditEvent): Promise<void> {
    await this.store.append({
      eventId: event.eventId,
      at: new Date(event.time),
      rpc: event.rpc,
      ids: event.ids,
      who: { issuer: event.issuer, subject: event.subject, name: event.name, posixUser: event.posixUser },
      peer: event.peer,
      outcome: event.outcome,
      reason: event.reason,
    });
  }
}
