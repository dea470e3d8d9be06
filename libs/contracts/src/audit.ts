import { z } from 'zod';
import { callerFields } from './caller';
import { ERROR_CODES } from './errors';
import { safeText, uuid } from './validation';

/**
 * The audit log (version 1): one record per state-changing call and per denial, kept
 * append-only in the scheduler's schema (table `audit_events`). It never holds a token,
 * a password or a key: only who (issuer, subject, name, POSIX user), what (RPC and the ids
 * it named), when, from where (the gRPC peer), and the outcome.
 */
const isoTime = z.iso.datetime({ offset: true });

/** `OK`, or the error code the call was refused with. */
export const AUDIT_OUTCOMES = ['OK', ...ERROR_CODES] as const;
export const auditOutcomeSchema = z.enum(AUDIT_OUTCOMES);
export type AuditOutcome = z.infer<typeof auditOutcomeSchema>;

/** Ids an audit record names: job, run and request ids (at most 16, each at most 128 characters). */
const auditIds = z.array(safeText(128)).max(16);

export const auditRecordSchema = z
  .object({
    /** Unique: the door's events are de-duplicated by it. */
    eventId: uuid,
    time: isoTime,
    /** The full gRPC method, e.g. "/cairn.v1.JobService/CancelJob". */
    rpc: safeText(128),
    ids: auditIds,
    /** Who: empty when the door could not tell (no token, a token that failed verification). */
    issuer: safeText(512),
    subject: safeText(256),
    name: safeText(256),
    posixUser: safeText(64),
    /** From where: the gRPC peer as the gateway saw it. */
    peer: safeText(256),
    outcome: auditOutcomeSchema,
    /** Why it was refused (never a token); empty when OK. */
    reason: safeText(1024),
  })
  .strict();
export type AuditRecord = z.infer<typeof auditRecordSchema>;

/** A denial at the gateway's door, on stream CAIRN_AUDIT (subject cairn.audit.events). */
export const doorAuditEventSchema = auditRecordSchema;
export type DoorAuditEvent = AuditRecord;

export const listAuditQuery = z
  .object({
    pageSize: z.number().int().min(1).max(500),
    pageToken: z.string().max(512).optional(),
    /** Only records of this subject (the token's `sub`), of any issuer. */
    subject: safeText(256).optional(),
    outcome: auditOutcomeSchema.optional(),
    /** Records at or after `since`, before `until`. */
    since: isoTime.optional(),
    until: isoTime.optional(),
    ...callerFields,
  })
  .strict();
export type ListAuditQuery = z.infer<typeof listAuditQuery>;
export const listAuditReply = z.object({ events: z.array(auditRecordSchema), nextPageToken: z.string() });
