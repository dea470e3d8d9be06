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
  /** How long to wait before trying again to set up a stream's consumer (ms). */
  retryMs?: number;
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
  private writer: Promise<unknown> = Promise.resolve();
  private wakeRetry?: () => void;

  constructor(
    private readonly jetstream: JetStreamRepository,
    private readonly store: GraphStore,
    private readonly logger: Logger,
    private readonly options: IngestOptions,
  ) {}

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

  /** Records one batch of one stream's messages (public for the benchmarks and specs). */
  async recordBatch(stream: ProvStream, messages: readonly BatchMessage[]): Promise<number> {
    const events: ProvEvent[] = [];
    for (const message of messages) {
      const parsed = parseEvent(stream, message);
      if (isRefusal(parsed)) this.logger.warn(parsed, 'malformed event dropped');
      else events.push(parsed);
    }
    // One writer at a time: concurrent batches would lock shared nodes (people, images) against each other.
    const written = this.writer.then(() => this.store.record(events));
    this.writer = written.catch(() => undefined);
    return written;
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
          { maxBatch: this.options.maxBatch },
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
