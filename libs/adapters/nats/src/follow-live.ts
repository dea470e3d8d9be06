import type { Logger } from '@cairn/logging';
import type { JetStreamRepository } from './jetstream.repository';
import type { NatsConnection } from './nats-connection';

/** What a gateway's read model needs of a followed event stream (ADR 0017, 0019). */
export interface LiveSink<T> {
  /** The stream is followed from now on (from an empty start). */
  open(): void;
  /** The stream stopped: forget, answer nothing. */
  close(): void;
  apply(event: T): void;
}

export interface FollowLiveOptions<T> {
  /** The subjects to follow (a stream's wildcard). */
  subject: string;
  /** The event, or a thrown error for one that cannot be read (the subscription then ends). */
  parse(raw: unknown): T;
  /** Log lines: when following starts, and when it stopped. */
  following: string;
  stopped: string;
  /** How long to wait before subscribing again after the stream stopped (ms). */
  resubscribeMs?: number;
}

/**
 * Feeds `sink` from the stream's new messages for as long as the NATS connection lives:
 * opened (empty) once the consumer exists on the server, so every message stored after
 * that is applied in order; closed when the subscription ends, when the connection drops,
 * or on a message it cannot read, so a change it could have missed is never hidden behind
 * something remembered. Subscribes again after `resubscribeMs` (default 1 s).
 */
export function followLive<T>(sink: LiveSink<T>, options: FollowLiveOptions<T>, nats: Pick<NatsConnection, 'status' | 'isClosed'>, jetstream: Pick<JetStreamRepository, 'followNew'>, logger: Logger): void {
  let current: { stop(): Promise<void> } | undefined;
  void (async () => {
    for await (const status of nats.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnecting') {
        sink.close();
        await current?.stop();
      }
    }
  })().catch((error: unknown) => logger.warn({ err: error }, 'read model: NATS status watch ended'));

  const loop = async (): Promise<void> => {
    while (!nats.isClosed()) {
      try {
        const followed = await jetstream.followNew(options.subject);
        current = followed;
        sink.open();
        logger.info(options.following);
        for await (const raw of followed.messages) sink.apply(options.parse(raw));
      } catch (error) {
        if (!nats.isClosed()) logger.warn({ err: error }, options.stopped);
      } finally {
        sink.close();
        await current?.stop();
        current = undefined;
      }
      if (!nats.isClosed()) await new Promise<void>((resolve) => setTimeout(resolve, options.resubscribeMs ?? 1000).unref());
    }
  };
  void loop();
}

/** One sink feeding several, in order. */
export function fanOut<T>(...sinks: LiveSink<T>[]): LiveSink<T> {
  return {
    open: () => sinks.forEach((s) => s.open()),
    close: () => sinks.forEach((s) => s.close()),
    apply: (event) => sinks.forEach((s) => s.apply(event)),
  };
}
