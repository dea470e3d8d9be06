import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { streams } from '@cairn/contracts';
import { type JetStreamRepository, type NatsConnection, onHintWhen } from '@cairn/adapters/nats';
import type { PeriodicLoop } from '@cairn/service-kit';
import { wakesEngine } from './engine-wake';

/**
 * Starts the workflow engine and its event publisher once the scheduler is up; a job's
 * change wakes the engine early, but its ACCEPTED event (a burst of submissions would keep
 * the engine's loop busy for nothing; see wakesEngine). The engine also looks every interval
 * on its own.
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
    this.stopHints = onHintWhen(this.nats, 'cairn.jobs.events.>', wakesEngine, () => this.engine.wake());
    this.publisher.start();
    this.engine.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopHints?.();
    await this.engine.stop();
    await this.publisher.stop();
  }
}
