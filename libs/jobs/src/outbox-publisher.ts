import { type JobEvent, subjects } from '@cairn/contracts';
import type { JetStreamRepository } from '@cairn/adapters/nats';
import type { JobStore } from './job.store';

/**
 * Publishes recorded transitions to CAIRN_JOB_EVENTS, in order, then marks them. A crash
 * between the two republishes with the same message id, which the stream drops.
 */
export class OutboxPublisher {
  constructor(
    private readonly store: JobStore,
    private readonly jetstream: JetStreamRepository,
  ) {}

  async tick(): Promise<void> {
    for (;;) {
      const rows = await this.store.unpublished(500);
      if (rows.length === 0) return;
      for (const row of rows) {
        const event: JobEvent = {
          jobId: row.job_id,
          sequence: row.seq,
          state: row.state,
          exitCode: row.exit_code,
          slurmJobId: row.slurm_job_id,
          reason: row.reason,
          time: new Date(row.at).toISOString(),
        };
        await this.jetstream.publish(subjects.jobEvents(row.job_id), event, `${row.job_id}.${row.seq}`);
      }
      await this.store.markPublished(rows.map((r) => r.id));
    }
  }
}
