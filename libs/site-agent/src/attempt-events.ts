import { type AttemptEvent, isFinal, type JobState, type RunFacts, subjects } from '@cairn/contracts';
import type { JetStreamRepository } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import type { Attempt, AttemptStore } from './attempt-store';

export interface EventDetails {
  exitCode?: number | null;
  reason?: string;
  time?: Date;
  /** What the wrapper measured (RUNNING: host and start; final: times and hashed files). */
  run?: RunFacts;
}

/**
 * Publishes an attempt's state to the site's event subject (JetStream, message id
 * `<attempt>.<state>`), then remembers it was published. A crash in between publishes it
 * again after restart, and the stream drops the duplicate.
 */
export class AttemptEvents {
  constructor(
    private readonly site: string,
    private readonly store: AttemptStore,
    private readonly jetstream: JetStreamRepository,
    private readonly logger: Logger,
  ) {}

  async publish(attempt: Attempt, state: Exclude<JobState, 'ACCEPTED'>, details: EventDetails = {}): Promise<void> {
    if (attempt.status.published.includes(state)) return;
    const command = attempt.command;
    if (!command) return;
    const event: AttemptEvent = {
      attemptId: attempt.id,
      jobId: command.jobId,
      site: this.site,
      state,
      slurmJobId: attempt.status.slurmJobId ?? '',
      exitCode: details.exitCode ?? null,
      reason: (details.reason ?? '').slice(0, 1024),
      time: (details.time ?? new Date()).toISOString(),
      ...(details.run && Object.keys(details.run).length > 0 ? { run: details.run } : {}),
    };
    await this.jetstream.publish(subjects.site(this.site).attemptEvents, event, `${attempt.id}.${state}`);
    attempt.status.published.push(state);
    if (isFinal(state)) attempt.status.final = true;
    await this.store.saveStatus(attempt);
    this.logger.info({ attemptId: attempt.id, jobId: command.jobId, state, slurmJobId: event.slurmJobId }, 'attempt state');
  }
}
