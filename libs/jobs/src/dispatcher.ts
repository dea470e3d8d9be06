import {
  cancelAttemptReply,
  CairnError,
  type SubmitAttemptCommand,
  submitAttemptReply,
  subjects,
} from '@cairn/contracts';
import type { NatsRequester } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import type { JobRow, JobStore } from './job.store';

/**
 * Hands accepted jobs to their site's agent and delivers cancels, retrying until the agent
 * confirms. Agents de-duplicate by attempt id, so a retry after a lost reply is harmless.
 */
export class Dispatcher {
  constructor(
    private readonly store: JobStore,
    private readonly requester: NatsRequester,
    private readonly logger: Logger,
    private readonly onChange: () => void,
  ) {}

  async tick(): Promise<void> {
    for (const job of await this.store.pendingCancels(100)) await this.deliverCancel(job);
    for (const job of await this.store.undispatched(100)) await this.dispatch(job);
  }

  private async dispatch(job: JobRow): Promise<void> {
    const command: SubmitAttemptCommand = {
      attemptId: job.attempt_id,
      jobId: job.job_id,
      spec: job.spec,
      image: { reference: job.spec.image, pinned: job.image_pinned, digest: job.image_digest },
      ...(job.spec.array ? { array: job.spec.array } : {}),
    };
    try {
      await this.requester.request(subjects.site(job.site).submit, command, submitAttemptReply, 10_000);
      await this.store.markDispatched(job.job_id, new Date());
      this.logger.info({ jobId: job.job_id, attemptId: job.attempt_id, site: job.site }, 'handed to agent');
    } catch (error) {
      if (error instanceof CairnError && error.code === 'INVALID_ARGUMENT') {
        await this.fail(job, `the site's agent refused the job: ${error.message}`);
        return;
      }
      this.logger.warn({ jobId: job.job_id, site: job.site, err: (error as Error).message }, 'agent unreachable; will retry');
    }
  }

  private async deliverCancel(job: JobRow): Promise<void> {
    try {
      const reply = await this.requester.request(
        subjects.site(job.site).cancel,
        { attemptId: job.attempt_id },
        cancelAttemptReply,
        10_000,
      );
      await this.store.markCancelDelivered(job.job_id, new Date());
      if (!reply.known) {
        // The agent never had it and now never will (it keeps a tombstone).
        const row = await this.store.transition(job.job_id, { state: 'CANCELLED', reason: 'cancelled before submission', at: new Date() });
        if (row) this.onChange();
      }
      this.logger.info({ jobId: job.job_id, known: reply.known }, 'cancel delivered');
    } catch (error) {
      this.logger.warn({ jobId: job.job_id, site: job.site, err: (error as Error).message }, 'cancel not delivered; will retry');
    }
  }

  private async fail(job: JobRow, reason: string): Promise<void> {
    const row = await this.store.transition(job.job_id, { state: 'FAILED', reason, at: new Date() });
    if (row) this.onChange();
  }
}
