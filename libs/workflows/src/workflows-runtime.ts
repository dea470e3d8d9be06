import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { streams } from '@cairn/contracts';
import { type JetStreamRepository, type NatsConnection, onHint } from '@cairn/adapters/nats';
import type { PeriodicLoop } from '@cairn/service-kit';

/**
 * Starts the workflow engine and its event publisher once the scheduler is up; any job
 * event wakes the engine early (the engine also looks every interval on its own).
 */
export class WorkflowsRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  private stopHints?: () => void;

  constructor(
    private readonly nats: NatsConnection,
    private readonly jetstream: JetStreamRepository,
    private readonly engine: PeriodicLoop,
    private readonly publisher: PeriodicLoop,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jetstream.ensureStream(streams.workflowEvents);
    this.stopHints = onHint(this.nats, 'cairn.jobs.events.>', () => this.engine.wake());
    this.publisher.start();
    this.engine.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopHints?.();
    await this.engine.stop();
    await this.publisher.stop();
  }
}
