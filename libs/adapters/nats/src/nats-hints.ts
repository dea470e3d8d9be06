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

/** As onHint, but `read` looks at the message's bytes first: only what it reads (not undefined) reaches `onMessage`. */
export function onHintRead<T>(nc: NatsConnection, subject: string, read: (data: Uint8Array) => T | undefined, onMessage: (hint: T) => void): () => void {
  const sub = nc.subscribe(subject, {
    callback: (error, msg) => {
      const hint = error ? undefined : read(msg.data);
      if (hint !== undefined) onMessage(hint);
    },
  });
  return () => sub.unsubscribe();
}
