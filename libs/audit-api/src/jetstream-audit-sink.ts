import { randomUUID } from 'node:crypto';
import type { JetStreamRepository } from '@cairn/adapters/nats';
import { type DoorAuditEvent, replaceControls, subjects } from '@cairn/contracts';
import { type AuditEvent, AuditSink } from '@cairn/grpc-server';

/** The text cleaned of control characters and cut to at most `maxBytes` of UTF-8 (the record's bounds). */
export function cut(text: string | undefined, maxBytes: number): string {
  let clean = replaceControls(text ?? '');
  if (Buffer.byteLength(clean) <= maxBytes) return clean;
  clean = Array.from(clean.slice(0, maxBytes)).join('');
  while (Buffer.byteLength(clean) > maxBytes - 3) clean = Array.from(clean).slice(0, -1).join('');
  return `${clean}...`;
}

/**
 * The door's refusals on their way to the audit table: published to stream CAIRN_AUDIT and
 * acknowledged by JetStream before record() resolves (durable from then on), de-duplicated
 * by event id; the scheduler consumes them into PostgreSQL. Texts are bounded and cleaned
 * of control characters; the door never hands over a token.
 */
export class JetStreamAuditSink extends AuditSink {
  constructor(private readonly jetstream: Pick<JetStreamRepository, 'publish'>) {
    super();
  }

  override async record(event: AuditEvent): Promise<void> {
    const message: DoorAuditEvent = {
      eventId: randomUUID(),
      time: event.time.toISOString(),
      rpc: cut(event.rpc, 128),
      ids: event.ids.slice(0, 16).map((id) => cut(id, 128)),
      issuer: cut(event.issuer, 512),
      subject: cut(event.subject, 256),
      // The door knows who only as far as the token told: its name is not mapped yet (a
      // handler auditing a mapped caller's call, e.g. EvictImage, names them).
      name: cut(event.name, 256),
      posixUser: cut(event.posixUser, 64),
      peer: cut(event.peer, 256),
      outcome: event.outcome,
      reason: cut(event.reason, 1024),
    };
    await this.jetstream.publish(subjects.auditEvents, message, message.eventId);
  }
}
