import { type JobRecord, parseOrThrow, subjects, submitJobCommand } from '@cairn/contracts';
import { type Envelope, errorEnvelope, okEnvelope } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import type { JobService } from './job.service';

/**
 * scheduler.jobs.submit-many: each item is a SubmitJob of its own (its own caller, checks,
 * audit record and answer), so one malformed or refused item fails alone. The items go to
 * the group commit together, as concurrent SubmitJobs would.
 */
export class SubmitMany {
  constructor(
    private readonly jobs: Pick<JobService, 'submit'>,
    private readonly logger: Logger,
  ) {}

  /** One reply envelope per item, in the items' order. */
  answer(items: readonly unknown[]): Promise<Envelope<{ job: JobRecord }>[]> {
    return Promise.all(items.map((item) => this.one(item)));
  }

  private async one(item: unknown): Promise<Envelope<{ job: JobRecord }>> {
    try {
      const command = parseOrThrow(submitJobCommand, item);
      return okEnvelope({ job: await this.jobs.submit(command.spec, command.requestId, command) });
    } catch (error) {
      const envelope = errorEnvelope(error);
      // As the transport logs a whole request's unexpected failure.
      if (!envelope.ok && envelope.error.code === 'INTERNAL') this.logger.error({ err: error, subject: subjects.scheduler.submitJobs }, 'handler failed');
      return envelope;
    }
  }
}
