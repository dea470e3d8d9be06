import type { Metadata } from '@grpc/grpc-js';
import { CairnError, type ErrorCode, type Principal, unauthenticated } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';

/** What authentication made of a call's `authorization` header: the caller, or why not. */
export type Authentication =
  | { ok: true; principal: Principal }
  | {
      ok: false;
      /** UNAUTHENTICATED, PERMISSION_DENIED (unmapped), RESOURCE_EXHAUSTED (rate), UNAVAILABLE (IdP down). */
      error: CairnError;
      /** Who it was, when the token was good enough to say (never the token itself). */
      issuer?: string;
      subject?: string;
      posixUser?: string;
    };

/** Turns a bearer token into the verified, mapped caller (libs/identity implements it). */
export interface Authenticator {
  /** `token` is what followed "Bearer "; never logged, never echoed in an error. */
  authenticate(token: string): Promise<Authentication>;
}

/** One audited event: who, what, from where, when, and how it ended. Never a token. */
export interface AuditEvent {
  /** The full method path, e.g. "/cairn.v1.JobService/GetJob". */
  rpc: string;
  /** The ids the request named (its top-level string fields called *Id). */
  ids: string[];
  /** The caller's address as grpc-js reports it. */
  peer: string;
  outcome: 'OK' | ErrorCode;
  reason: string;
  time: Date;
  issuer?: string;
  subject?: string;
  /** The mapped caller's name, when a handler (not the door) records the event. */
  name?: string;
  posixUser?: string;
}

/** Where the door reports what it refused (slice E keeps them durably). */
export abstract class AuditSink {
  abstract record(event: AuditEvent): Promise<void>;
}

/** The default sink: one warning log line per event. */
export class LoggingAuditSink extends AuditSink {
  constructor(private readonly logger: Logger) {
    super();
  }
  override record(event: AuditEvent): Promise<void> {
    this.logger.warn({ audit: event }, `refused ${event.rpc}: ${event.outcome} ${event.reason}`);
    return Promise.resolve();
  }
}

/** What every handler needs to let a call in. */
export interface Door {
  authenticator: Authenticator;
  audit: AuditSink;
}

/** The part of a grpc-js call the door reads. */
export interface DoorCall {
  metadata: Metadata;
  getPeer(): string;
  getPath(): string;
  request: unknown;
}

/** The metadata in which the gateway's portal server names the browser's address. */
export const PORTAL_PEER_HEADER = 'cairn-portal-peer';

/**
 * Where a call comes from, for audit and handlers: grpc-js's peer ("ipv4:10.0.0.5:51234"),
 * or, for a call over the gateway's local socket (grpc-js says "unknown": only the gateway's
 * own portal server can connect there, ADR 0012), "portal <browser address>" as the portal
 * names it. A TCP client's `cairn-portal-peer` is ignored.
 */
export function callPeer(call: { getPeer(): string; metadata: Metadata }): string {
  const peer = call.getPeer();
  if (peer !== 'unknown') return peer;
  const values = call.metadata.get(PORTAL_PEER_HEADER);
  const browser = values.length === 1 ? values[0] : undefined;
  return typeof browser === 'string' && /^[0-9A-Fa-f.:]{2,45}$/.test(browser) ? `portal ${browser}` : peer;
}

// RFC 6750: "Bearer" then one b64token. Checked before anything else reads the value.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;
/** Longest bearer token read (a JWT with many group claims fits; the clients send at most as much). */
export const MAX_TOKEN_CHARS = 16 * 1024;
/** Longest authorization value read: "Bearer " and the longest token. */
export const MAX_AUTHORIZATION_CHARS = 'Bearer '.length + MAX_TOKEN_CHARS;

/** The bearer token of a call, or the UNAUTHENTICATED error saying (briefly) what is wrong. */
export function bearerToken(metadata: Metadata): string | CairnError {
  const values = metadata.get('authorization');
  if (values.length === 0) return unauthenticated('no credentials: send "authorization: Bearer <token>" (cairn login)');
  if (values.length > 1) return unauthenticated('more than one authorization header');
  const value = values[0];
  if (typeof value !== 'string' || value.length > MAX_AUTHORIZATION_CHARS) return unauthenticated('the authorization header is not a bearer token');
  const match = BEARER.exec(value);
  if (!match?.[1]) return unauthenticated('the authorization header is not a bearer token');
  return match[1];
}

/** The ids a request names: its top-level string fields called *Id, non-empty, at most 8. */
export function requestIds(request: unknown): string[] {
  if (typeof request !== 'object' || request === null) return [];
  const ids: string[] = [];
  for (const [key, value] of Object.entries(request)) {
    if (/Id$/.test(key) && typeof value === 'string' && value !== '') ids.push(value.slice(0, 128));
    if (ids.length >= 8) break;
  }
  return ids;
}

/**
 * Lets a call in: its verified, mapped caller, or the CairnError to answer with (and the
 * refusal recorded in the audit sink). The token never reaches a log, an error or a record.
 */
export async function admit(call: DoorCall, door: Door, logger: Logger): Promise<Principal> {
  const token = bearerToken(call.metadata);
  const result: Authentication = token instanceof CairnError ? { ok: false, error: token } : await door.authenticator.authenticate(token);
  if (result.ok) return result.principal;
  const event: AuditEvent = {
    rpc: call.getPath(),
    ids: requestIds(call.request),
    peer: callPeer(call),
    outcome: result.error.code,
    reason: result.error.message,
    time: new Date(),
    ...(result.issuer === undefined ? {} : { issuer: result.issuer }),
    ...(result.subject === undefined ? {} : { subject: result.subject }),
    ...(result.posixUser === undefined ? {} : { posixUser: result.posixUser }),
  };
  await door.audit.record(event).catch((error: unknown) => logger.error({ err: error, rpc: event.rpc }, 'audit sink failed to record a refusal'));
  throw result.error;
}
