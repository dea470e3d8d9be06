import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { type JobEvent, streams } from '@cairn/contracts';
import { type JetStreamRepository, type NatsConnection, onHintRead } from '@cairn/adapters/nats';
import type { PeriodicLoop } from '@cairn/service-kit';
import { engineHint } from './engine-wake';

/**
 * Starts the workflow engine and its event publisher once the scheduler is up; a job's
 * change wakes the engine early, but its ACCEPTED event (a burst of submissions would keep
 * the engine's loop busy for nothing; see engineHint), and a job's final event is handed to
 * the engine, which applies it and advances the job's run first on its next pass. The engine
 * also looks every interval on its own.
 */
export class WorkflowsRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  private stopHints?: () => void;

  constructor(
    private readonly nats: NatsConnection,
    private readonly jetstream: JetStreamRepository,
    private readonly engine: PeriodicLoop,
    private readonly publisher: PeriodicLoop,
    /** Told of each final job event before the engine is woken (WorkflowEngine.noteEnded). */
    private readonly ended: (event: JobEvent) => void,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jetstream.ensureStream(streams.workflowEvents);
    this.stopHints = onHintRead(this.nats, 'cairn.jobs.events.>', engineHint, (hint) => {
      if (hint.ended) this.ended(hint.ended);
      this.engine.wake();
    });
    this.publisher.start();
    this.engine.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopHints?.();
    await this.engine.stop();
    await this.publisher.stop();
  }
}
