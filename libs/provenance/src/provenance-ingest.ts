import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { provenanceConsumers, streams } from '@cairn/contracts';
import type { BatchMessage, JetStreamRepository } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import type { ProvEvent } from './event-mapping';
import { isRefusal, parseEvent, type ProvStream } from './event-parsing';
import type { GraphStore } from './graph.store';

const SOURCES: Array<{ stream: ProvStream; def: { name: string; subjects: readonly string[] }; durable: string }> = [
  { stream: 'jobs', def: streams.jobEvents, durable: provenanceConsumers.jobEvents },
  { stream: 'workflows', def: streams.workflowEvents, durable: provenanceConsumers.workflowEvents },
  { stream: 'images', def: streams.imageEvents, durable: provenanceConsumers.imageEvents },
];

export interface IngestOptions {
  maxBatch: number;
  /**
   * How long the oldest event of a batch waits for more before the batch is recorded (ms;
   * default 0): a trickle of events (a burst of submissions) then costs a transaction per
   * this interval, not one per event or two, on the cores the acknowledgements need.
   */
  gatherMs?: number;
  /** How long to wait before trying again to set up a stream's consumer (ms). */
  retryMs?: number;
}

/**
 * Turns a batch of one stream's messages into events and records them in one transaction;
 * malformed messages are logged and left out. Batches are written one after another:
 * concurrent ones would lock shared nodes (people, images) against each other.
 */
export class EventRecorder {
  private writer: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: GraphStore,
    private readonly logger: Logger,
  ) {}

  async recordBatch(stream: ProvStream, messages: readonly BatchMessage[]): Promise<number> {
    const events: ProvEvent[] = [];
    for (const message of messages) {
      const parsed = parseEvent(stream, message);
      if (isRefusal(parsed)) this.logger.warn(parsed, 'malformed event dropped');
      else events.push(parsed);
    }
    const written = this.writer.then(() => this.recordIsolating(events));
    this.writer = written.catch(() => undefined);
    return written;
  }

  /**
   * Records the batch; when it fails, each event alone, so one event that can never be
   * recorded does not hold back the others: it is logged and dropped. When every event
   * fails alone too, the database is the trouble: the batch fails (and is redelivered).
   */
  private async recordIsolating(events: ProvEvent[]): Promise<number> {
    try {
      return await this.store.record(events);
    } catch (error) {
      if (events.length <= 1) throw error;
      let recorded = 0;
      const failed: Array<{ id: string; err: unknown }> = [];
      for (const event of events) {
        try {
          recorded += await this.store.record([event]);
        } catch (err) {
          failed.push({ id: event.id, err });
        }
      }
      if (failed.length === events.length) throw error;
      for (const each of failed) this.logger.error({ err: each.err, event: each.id.slice(0, 256) }, 'event cannot be recorded; dropped');
      return recorded;
    }
  }

}

/**
 * Reads the job, workflow and image event streams with durable consumers, a batch at a
 * time: each batch is recorded in one transaction and acknowledged after the commit, so a
 * crash loses nothing acknowledged and a redelivery changes nothing (events are recorded by
 * id). Malformed events are logged and acknowledged. The three streams' batches are
 * written one after another.
 */
export class ProvenanceIngest implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly stops: Array<() => Promise<void>> = [];
  private stopping = false;
  private starting?: Promise<void>;
  private wakeRetry?: () => void;
  private readonly recorder: EventRecorder;

  constructor(
    private readonly jetstream: JetStreamRepository,
    store: GraphStore,
    private readonly logger: Logger,
    private readonly options: IngestOptions,
  ) {
    this.recorder = new EventRecorder(store, logger);
  }

  onApplicationBootstrap(): void {
    // In the background: the service answers queries (and health) while the streams are not there yet.
    this.starting = Promise.all(SOURCES.map((source) => this.startSource(source))).then(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.wakeRetry?.();
    await this.starting;
    await Promise.all(this.stops.map((stop) => stop()));
  }

  /** Records one batch of one stream's messages (the recorder's). */
  recordBatch(stream: ProvStream, messages: readonly BatchMessage[]): Promise<number> {
    return this.recorder.recordBatch(stream, messages);
  }

  private async startSource(source: (typeof SOURCES)[number]): Promise<void> {
    const retryMs = this.options.retryMs ?? 2000;
    for (let attempt = 1; !this.stopping; attempt += 1) {
      try {
        // The owners (scheduler, images) create these streams; whoever comes first does, with the same config.
        await this.jetstream.ensureStream(source.def);
        const stop = await this.jetstream.consumeDurableBatches(
          source.def.name,
          source.durable,
          async (batch) => {
            const recorded = await this.recordBatch(source.stream, batch);
            this.logger.debug({ stream: source.def.name, messages: batch.length, recorded }, 'events recorded');
          },
          (error) => this.logger.error({ err: error, stream: source.def.name }, 'batch not recorded; it will be redelivered'),
          { maxBatch: this.options.maxBatch, gatherMs: this.options.gatherMs },
        );
        if (this.stopping) await stop();
        else this.stops.push(stop);
        this.logger.info({ stream: source.def.name, durable: source.durable }, 'recording events');
        return;
      } catch (error) {
        this.logger.warn({ err: error, stream: source.def.name, attempt }, 'cannot read the stream yet; trying again');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          this.wakeRetry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}
