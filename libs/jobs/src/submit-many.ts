import { type JobRecord, parseOrThrow, subjects, submitJobCommand } from '@cairn/contracts';
import { type Envelope, envelopeOf } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import type { JobService } from './job.service';

/**
 * scheduler.jobs.submit and submit-many: each item is a SubmitJob of its own (its own caller,
 * checks, audit record and answer), so one malformed or refused item of a submit-many fails
 * alone. The items go to the group commit together, as concurrent SubmitJobs would.
 */
export class SubmitMany {
  constructor(
    private readonly jobs: Pick<JobService, 'submit'>,
    private readonly logger: Logger,
  ) {}

  /** One SubmitJob command: its job, or the refusal it throws. */
  async one(item: unknown): Promise<{ job: JobRecord }> {
    const command = parseOrThrow(submitJobCommand, item);
    return { job: await this.jobs.submit(command.spec, command.requestId, command) };
  }

  /** One reply envelope per item, in the items' order; an unexpected failure is logged as the transport logs a whole request's. */
  answer(items: readonly unknown[]): Promise<Envelope<{ job: JobRecord }>[]> {
    return Promise.all(
      items.map((item) => envelopeOf(() => this.one(item), (error) => this.logger.error({ err: error, subject: subjects.scheduler.submitJobs }, 'handler failed'))),
    );
  }
}
