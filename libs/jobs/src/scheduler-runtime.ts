import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { attemptEventSchema, consumers, excerpt, streams } from '@cairn/contracts';
import type { JetStreamRepository } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import type { PeriodicLoop } from '@cairn/service-kit';
import type { JobService } from './job.service';

/**
 * Starts the scheduler's background work once the module is up: the streams, the durable
 * consumer of agents' events, the dispatcher and the outbox publisher; stops them on
 * shutdown after the work in hand is done.
 */
export class SchedulerRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  private stopConsumer?: () => Promise<void>;

  constructor(
    private readonly jetstream: JetStreamRepository,
    private readonly jobs: JobService,
    private readonly loops: PeriodicLoop[],
    private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jetstream.ensureStream(streams.siteEvents);
    await this.jetstream.ensureStream(streams.jobEvents);
    this.stopConsumer = await this.jetstream.consumeDurable(
      streams.siteEvents.name,
      consumers.schedulerSiteEvents,
      async (subject, data) => {
        const parsed = attemptEventSchema.safeParse(data);
        if (!parsed.success) {
          // A malformed event can never succeed: drop it (ack) and say so.
          this.logger.warn({ subject: excerpt(subject), issues: parsed.error.issues.slice(0, 5).map((i) => ({ code: i.code, path: excerpt(i.path.join('.')) })) }, 'malformed attempt event dropped');
          return;
        }
        await this.jobs.applyAttemptEvent(subject, parsed.data);
      },
      (error) => this.logger.error({ err: error }, 'attempt event failed; will be redelivered'),
      (subject, error) => this.logger.warn({ subject: excerpt(subject), err: (error as Error).message }, 'attempt event that is not JSON dropped'),
    );
    for (const loop of this.loops) loop.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stopConsumer?.();
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}
