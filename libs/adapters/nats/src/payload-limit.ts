import { CairnError } from '@cairn/contracts';
import type { NatsConnection } from 'nats';
import { encodeJson, errorEnvelope } from './envelope';

/** nats-server's default max_payload, used until the server's INFO is known. */
export const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * Room kept for what travels beside the body of a JetStream publish (the Nats-Msg-Id
 * header): the server counts headers against max_payload too.
 */
export const HEADER_ROOM = 1024;

/** The largest message body this connection's server accepts. */
export function maxPayloadOf(nc: Pick<NatsConnection, 'info'>): number {
  const max = nc.info?.max_payload;
  return typeof max === 'number' && max > 0 ? max : DEFAULT_MAX_PAYLOAD;
}

/** The clear error for a message over the limit: what it was, its size, the limit. */
export function payloadTooLarge(what: string, size: number, max: number): CairnError {
  return new CairnError(
    'RESOURCE_EXHAUSTED',
    `${what} is ${size} bytes; the NATS server accepts at most ${max} bytes per message (ask for less, or page)`,
  );
}

/** Encodes a request or publish body, refusing it before it is sent when it is too large. */
export function encodeBounded(value: unknown, max: number, what: string): Uint8Array {
  const data = encodeJson(value);
  if (data.length > max) throw payloadTooLarge(what, data.length, max);
  return data;
}

/**
 * Encodes a reply envelope; a reply over the limit becomes a RESOURCE_EXHAUSTED error
 * envelope naming both sizes, which always fits.
 */
export function encodeReply(reply: unknown, max: number, subject: string): { data: Uint8Array; oversized: boolean } {
  const data = encodeJson(reply);
  if (data.length <= max) return { data, oversized: false };
  return { data: encodeJson(errorEnvelope(payloadTooLarge(`the reply on ${subject}`, data.length, max))), oversized: true };
}
