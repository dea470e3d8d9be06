import {
  AckPolicy,
  consumerOpts,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type NatsConnection,
  RetentionPolicy,
  StorageType,
} from 'nats';
import { CairnError } from '@cairn/contracts';
import { BatchQueue } from './batch-queue';
import { decodeJson } from './envelope';
import { encodeBounded, HEADER_ROOM, maxPayloadOf } from './payload-limit';

export interface StreamDef {
  name: string;
  subjects: readonly string[];
}

export interface DurableHandler {
  /** Resolve to ack; throw to have the message redelivered. */
  (subject: string, data: unknown): Promise<void>;
}

/** One message of a batch (consumeDurableBatches): decoded, or why it could not be. */
export interface BatchMessage {
  subject: string;
  /** The message's sequence in its stream. */
  seq: number;
  /** The decoded JSON; undefined when `undecodable` says why it is not JSON. */
  data: unknown;
  undecodable?: unknown;
}

export interface BatchHandler {
  /** Resolve to ack every message of the batch; throw to have them all redelivered. */
  (batch: BatchMessage[]): Promise<void>;
}

const NS = 1_000_000;

/** JetStream: durable streams of events, de-duplicated publishes, durable consumers. */
/** A table of events written with the changes they describe, waiting to be published. */
export interface Outbox<Row extends { id: string }> {
  unpublished(limit: number): Promise<Row[]>;
  markPublished(ids: string[]): Promise<void>;
  message(row: Row): { subject: string; data: unknown; msgId: string };
}

/** Outbox rows published before their acks are awaited (drainOutbox). */
const PUBLISH_WINDOW = 128;

export class JetStreamRepository {
  private readonly js: JetStreamClient;
  private jsmPromise?: Promise<JetStreamManager>;

  constructor(private readonly nc: NatsConnection) {
    this.js = nc.jetstream();
  }

  private jsm(): Promise<JetStreamManager> {
    this.jsmPromise ??= this.nc.jetstreamManager();
    return this.jsmPromise;
  }

  /** Creates the stream, or updates its subjects; safe to call at every start. */
  async ensureStream(def: StreamDef): Promise<void> {
    const jsm = await this.jsm();
    const config = {
      name: def.name,
      subjects: [...def.subjects],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: 10 * 60 * 1000 * NS,
      max_age: 30 * 24 * 3600 * 1000 * NS,
    };
    try {
      await jsm.streams.info(def.name);
      await jsm.streams.update(def.name, config);
    } catch (error) {
      if (!/stream not found/i.test((error as Error).message)) throw error;
      await jsm.streams.add(config);
    }
  }

  /**
   * Publishes and waits for the stream's ack. The message id makes a repeated publish
   * (after a crash or retry) a no-op inside the stream's duplicate window. A body over the
   * server's max_payload is refused before it is sent (RESOURCE_EXHAUSTED).
   */
  async publish(subject: string, data: unknown, msgId: string): Promise<{ duplicate: boolean }> {
    const body = encodeBounded(data, maxPayloadOf(this.nc) - HEADER_ROOM, `the event on ${subject}`);
    const ack = await this.js.publish(subject, body, { msgID: msgId });
    return { duplicate: ack.duplicate };
  }

  /**
   * Publishes an outbox's rows in order, then marks them, until none is left. A crash
   * between the two republishes with the same message id, which the stream drops. A row
   * too large to ever publish is reported to `onDropped` and marked, never retried forever.
   *
   * Rows go out a window at a time (publishWindows: up to PUBLISH_WINDOW rows, no subject
   * twice), each window's acks awaited together: the client writes a window to the socket at
   * once (one write for many, instead of a write and an ack's wake-up per row) and the stream
   * stores it in the order sent. A failure marks none of the batch and sends no later window:
   * the rows sent meanwhile are sent again by the next drain and dropped by the stream by
   * their message ids, and as a subject appears once per window, each subject's rows (one
   * job's or one run's events) stay in order even then.
   */
  async drainOutbox<Row extends { id: string }>(outbox: Outbox<Row>, batch = 500, onDropped: (row: Row, error: CairnError) => void = () => undefined): Promise<void> {
    for (;;) {
      const rows = await outbox.unpublished(batch);
      if (rows.length === 0) return;
      const messages = rows.map((row) => ({ row, ...outbox.message(row) }));
      for (const window of publishWindows(messages, PUBLISH_WINDOW)) {
        const results = await Promise.allSettled(window.map(({ subject, data, msgId }) => this.publish(subject, data, msgId)));
        let failure: { error: unknown } | undefined;
        results.forEach((result, k) => {
          if (result.status === 'fulfilled') return;
          const error: unknown = result.reason;
          // A row that can never be sent must not hold back every row after it.
          if (error instanceof CairnError && error.code === 'RESOURCE_EXHAUSTED') onDropped((window[k] as { row: Row }).row, error);
          else failure ??= { error };
        });
        if (failure) throw failure.error;
      }
      await outbox.markPublished(rows.map((r) => r.id));
      // Fewer rows than asked for: there were no more when they were read. A row recorded
      // since then was recorded with a wake of its relay, which runs the drain again.
      if (rows.length < batch) return;
    }
  }

  /**
   * Consumes a stream with a durable consumer: each message is acked only after the
   * handler resolved, so a crash redelivers it. Returns a stop function.
   */
  async consumeDurable(
    stream: string,
    durable: string,
    handler: DurableHandler,
    onError: (e: unknown) => void,
    /** A message that is not JSON can never succeed: it is acked (dropped) and reported here. */
    onUndecodable: (subject: string, e: unknown) => void = (_subject, e) => onError(e),
  ): Promise<() => Promise<void>> {
    const jsm = await this.jsm();
    // ack_wait bounds how long a message handed to a consumer that died waits before it is
    // redelivered (e.g. to the restarted scheduler).
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 5_000 * NS,
      max_deliver: -1,
    };
    const existing = await jsm.consumers.info(stream, durable).catch(() => undefined);
    if (existing) await jsm.consumers.update(stream, durable, { ack_wait: config.ack_wait, max_deliver: config.max_deliver });
    else await jsm.consumers.add(stream, config);
    const consumer = await this.js.consumers.get(stream, durable);
    const messages: ConsumerMessages = await consumer.consume({ max_messages: 256 });
    const loop = (async () => {
      for await (const msg of messages) {
        let data: unknown;
        try {
          data = decodeJson(msg.data);
        } catch (error) {
          onUndecodable(msg.subject, error);
          msg.ack();
          continue;
        }
        try {
          await handler(msg.subject, data);
          msg.ack();
        } catch (error) {
          onError(error);
          msg.nak(1000);
        }
      }
    })();
    return async () => {
      await messages.close();
      await loop;
    };
  }

  /**
   * Consumes a stream with a durable consumer in batches: the messages that arrived while
   * the previous batch was handled (at most `maxBatch`) go to the handler together, and are
   * acked only after it resolved, so a crash redelivers them all. With `gatherMs`, a batch
   * waits until its oldest message has waited that long (or `maxBatch` are in hand), so a
   * trickle of messages makes few batches, not one each (see BatchQueue). A handler that
   * throws has the batch redelivered (after `retryDelayMs`). Returns a stop function, which
   * lets the batch in hand finish (messages in hand are handed on at once).
   */
  async consumeDurableBatches(
    stream: string,
    durable: string,
    handler: BatchHandler,
    onError: (e: unknown) => void,
    options: { maxBatch?: number; gatherMs?: number; ackWaitMs?: number; retryDelayMs?: number } = {},
  ): Promise<() => Promise<void>> {
    const maxBatch = options.maxBatch ?? 1000;
    const queue = new BatchQueue<JsMsg>(maxBatch, options.gatherMs ?? 0);
    const jsm = await this.jsm();
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (options.ackWaitMs ?? 30_000) * NS,
      max_deliver: -1,
      max_ack_pending: maxBatch * 4,
    };
    const existing = await jsm.consumers.info(stream, durable).catch(() => undefined);
    if (existing) await jsm.consumers.update(stream, durable, { ack_wait: config.ack_wait, max_deliver: config.max_deliver, max_ack_pending: config.max_ack_pending });
    else await jsm.consumers.add(stream, config);
    const consumer = await this.js.consumers.get(stream, durable);
    const messages: ConsumerMessages = await consumer.consume({ max_messages: maxBatch * 2 });
    const pump = (async () => {
      try {
        for await (const msg of messages) queue.push(msg);
      } finally {
        queue.end();
      }
    })();
    const work = (async () => {
      for (let batch = await queue.next(); batch; batch = await queue.next()) {
        const decoded = batch.map((msg): BatchMessage => {
          try {
            return { subject: msg.subject, seq: msg.seq, data: decodeJson(msg.data) };
          } catch (error) {
            return { subject: msg.subject, seq: msg.seq, data: undefined, undecodable: error };
          }
        });
        try {
          await handler(decoded);
          for (const msg of batch) msg.ack();
        } catch (error) {
          onError(error);
          for (const msg of batch) msg.nak(options.retryDelayMs ?? 1000);
        }
      }
    })();
    return async () => {
      await messages.close();
      await pump;
      await work;
    };
  }

  /**
   * Replays and follows the messages of one subject, oldest first, with an ephemeral
   * ordered push consumer (the pull-based ordered consumer of nats.js needs NATS 2.10).
   * Stops when the signal aborts or the caller breaks out of the loop; either way the
   * consumer is deleted on the server at once (not left to its inactivity timeout).
   */
  async *follow(subject: string, signal: AbortSignal): AsyncGenerator<unknown> {
    const opts = consumerOpts();
    opts.orderedConsumer();
    opts.deliverAll();
    if (signal.aborted) return;
    const sub = await this.js.subscribe(subject, opts);
    const stop = () => sub.unsubscribe();
    signal.addEventListener('abort', stop, { once: true });
    if (signal.aborted) stop();
    try {
      for await (const msg of sub) yield decodeJson(msg.data);
    } finally {
      signal.removeEventListener('abort', stop);
      sub.unsubscribe();
      // The consumer may already be gone (server restarted, connection closed): nothing to free.
      await sub.destroy().catch(() => undefined);
    }
  }

  /**
   * Follows the messages published on `subject` (a wildcard is fine) from now on, with an
   * ephemeral ordered push consumer (gaps are refilled by nats.js). Resolves once the
   * consumer exists on the server: every message stored after that is delivered, in order.
   * `stop()` ends the iteration and deletes the consumer.
   */
  async followNew(subject: string): Promise<{ messages: AsyncIterable<unknown>; stop(): Promise<void> }> {
    const opts = consumerOpts();
    opts.orderedConsumer();
    opts.deliverNew();
    const sub = await this.js.subscribe(subject, opts);
    async function* messages(): AsyncGenerator<unknown> {
      for await (const msg of sub) yield decodeJson(msg.data);
    }
    return {
      messages: messages(),
      stop: async () => {
        sub.unsubscribe();
        await sub.destroy().catch(() => undefined);
      },
    };
  }

  /** The last message on `subject` in `stream` (decoded), or undefined when it holds none. */
  async lastOn(stream: string, subject: string): Promise<unknown> {
    const jsm = await this.jsm();
    try {
      return decodeJson((await jsm.streams.getMessage(stream, { last_by_subj: subject })).data);
    } catch (error) {
      if (/no message found/i.test((error as Error).message)) return undefined;
      throw error;
    }
  }
}

/** Messages in order, cut into windows of at most `size` in which no subject appears twice (JetStreamRepository.drainOutbox). */
export function publishWindows<M extends { subject: string }>(messages: readonly M[], size: number): M[][] {
  const windows: M[][] = [];
  let window: M[] = [];
  let subjects = new Set<string>();
  for (const message of messages) {
    if (window.length >= size || subjects.has(message.subject)) {
      windows.push(window);
      window = [];
      subjects = new Set();
    }
    window.push(message);
    subjects.add(message.subject);
  }
  if (window.length > 0) windows.push(window);
  return windows;
}
