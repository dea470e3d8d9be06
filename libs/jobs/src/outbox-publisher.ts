import { type JobEvent, subjects } from '@cairn/contracts';
import type { JetStreamRepository } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import type { JobStore } from './job.store';

/** Publishes recorded job transitions to CAIRN_JOB_EVENTS, in order (message id <job>.<seq>). */
export class OutboxPublisher {
  constructor(
    private readonly store: JobStore,
    private readonly jetstream: JetStreamRepository,
    private readonly logger: Logger,
  ) {}

  tick(): Promise<void> {
    return this.jetstream.drainOutbox({
      unpublished: (limit) => this.store.unpublished(limit),
      markPublished: (ids) => this.store.markPublished(ids),
      message: (row) => {
        const event: JobEvent = {
          jobId: row.job_id,
          sequence: row.seq,
          state: row.state,
          exitCode: row.exit_code,
          slurmJobId: row.slurm_job_id,
          reason: row.reason,
          time: new Date(row.at).toISOString(),
        };
        return { subject: subjects.jobEvents(row.job_id), data: event, msgId: `${row.job_id}.${row.seq}` };
      },
    }, 500, (row, error) => this.logger.error({ jobId: row.job_id, seq: row.seq, err: error.message }, 'job event too large to publish; skipped'));
  }
}
