import type { NatsConnection } from 'nats';

/**
 * Calls `onMessage` for every core NATS message on `subject` (wildcards allowed), without
 * reading it: a wake-up hint, e.g. "some job changed". Not durable — whoever listens must
 * also look on its own from time to time.
 */
export function onHint(nc: NatsConnection, subject: string, onMessage: () => void): () => void {
  const sub = nc.subscribe(subject, { callback: (error) => (error ? undefined : onMessage()) });
  return () => sub.unsubscribe();
}

/** As onHint, but `wanted` looks at the message's bytes first: only the messages it wants wake. */
export function onHintWhen(nc: NatsConnection, subject: string, wanted: (data: Uint8Array) => boolean, onMessage: () => void): () => void {
  const sub = nc.subscribe(subject, { callback: (error, msg) => (error || !wanted(msg.data) ? undefined : onMessage()) });
  return () => sub.unsubscribe();
}
