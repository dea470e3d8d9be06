import {
  cancelAttemptReply,
  type SubmitAttemptCommand,
  submitAttemptReply,
  subjects,
} from '@cairn/contracts';
import { type NatsRequester, NoRespondersError } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import { classifyDispatchFailure, nextTryAt } from './dispatch-retry';
import type { JobRow, JobStore } from './job.store';

/** Jobs (and cancels) looked at per tick. */
const BATCH = 100;

/**
 * Hands accepted jobs to their site's agent and delivers cancels. Agents de-duplicate by
 * attempt id, so a retry after a lost reply is harmless. A refusal that would repeat (too
 * large, invalid) fails the job with its reason; a transient failure retries that job alone
 * with backoff. Sites are served side by side, and a site that does not answer is skipped
 * for the rest of the tick, so no job or site holds back the others.
 */
export class Dispatcher {
  constructor(
    private readonly store: JobStore,
    private readonly requester: NatsRequester,
    private readonly logger: Logger,
    private readonly onChange: () => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async tick(): Promise<void> {
    await this.bySite(await this.store.pendingCancels(BATCH, this.now()), (job) => this.deliverCancel(job), (jobs) => this.deferRest('cancel', jobs));
    await this.bySite(await this.store.undispatched(BATCH, this.now()), (job) => this.dispatch(job), (jobs) => this.deferRest('dispatch', jobs));
  }

  /** Runs `each` on every job, sites in parallel; after a site-down failure the site's other jobs are deferred (together). */
  private async bySite(jobs: JobRow[], each: (job: JobRow) => Promise<'ok' | 'site-down'>, deferRest: (jobs: JobRow[]) => Promise<void>): Promise<void> {
    const sites = new Map<string, JobRow[]>();
    for (const job of jobs) sites.set(job.site, [...(sites.get(job.site) ?? []), job]);
    await Promise.all(
      [...sites.values()].map(async (siteJobs) => {
        for (const [i, job] of siteJobs.entries()) {
          if ((await each(job)) === 'site-down') {
            await deferRest(siteJobs.slice(i + 1));
            return;
          }
        }
      }),
    );
  }

  private async dispatch(job: JobRow): Promise<'ok' | 'site-down'> {
    const command: SubmitAttemptCommand = {
      attemptId: job.attempt_id,
      jobId: job.job_id,
      spec: job.spec,
      image: { reference: job.spec.image, pinned: job.image_pinned, digest: job.image_digest },
      ...(job.spec.array ? { array: job.spec.array } : {}),
      // The job runs as its owner's POSIX user, charged to its account (legacy jobs, with
      // no account, run as the site's one job user, as before).
      ...(job.account ? { runAs: { posixUser: job.owner_posix_user, account: job.account } } : {}),
    };
    // Marked sent before the request: the agent's first events may arrive before its reply.
    const sentAt = this.now();
    try {
      await this.store.markSent(job.job_id, sentAt);
      await this.requester.request(subjects.site(job.site).submit, command, submitAttemptReply, 10_000);
      await this.store.markDispatched(job.job_id, this.now());
      this.logger.info({ jobId: job.job_id, attemptId: job.attempt_id, site: job.site }, 'handed to agent');
      return 'ok';
    } catch (error) {
      // Nobody received it: unless an earlier try may have, the attempt stays unsent.
      if (error instanceof NoRespondersError) await this.store.unmarkSent(job.job_id, sentAt).catch(() => undefined);
      const failure = classifyDispatchFailure(error);
      if (failure.kind === 'permanent') {
        this.logger.warn({ jobId: job.job_id, site: job.site, reason: failure.reason }, 'job cannot be dispatched; failing it');
        await this.fail(job, `the job could not be handed to site ${job.site}: ${failure.reason}`);
        return 'ok';
      }
      await this.defer(job, failure.reason);
      return failure.siteDown ? 'site-down' : 'ok';
    }
  }

  private async defer(job: JobRow, reason: string): Promise<void> {
    const tries = job.dispatch_tries + 1;
    const next = nextTryAt(this.now(), tries);
    await this.store.deferDispatch(job.job_id, tries, next);
    this.logger.warn({ jobId: job.job_id, site: job.site, tries, next: next.toISOString(), err: reason }, 'not handed to agent; will retry');
  }

  /**
   * The rest of a site that did not answer, each job counted and backed off as a failed try
   * of its own (its own count, its own next try), in a few statements and one log line.
   */
  private async deferRest(kind: 'dispatch' | 'cancel', jobs: JobRow[]): Promise<void> {
    if (jobs.length === 0) return;
    const now = this.now();
    const deferrals = jobs.map((job) => {
      const tries = (kind === 'dispatch' ? job.dispatch_tries : job.cancel_tries) + 1;
      return { jobId: job.job_id, tries, nextAt: nextTryAt(now, tries) };
    });
    await this.store.deferMany(kind, deferrals);
    const what = kind === 'dispatch' ? 'not handed to agent' : 'cancel not delivered';
    this.logger.warn({ site: jobs[0]?.site, jobIds: jobs.map((j) => j.job_id), err: 'its site did not answer' }, `${jobs.length} more ${what}; will retry`);
  }

  private async deliverCancel(job: JobRow): Promise<'ok' | 'site-down'> {
    try {
      const reply = await this.requester.request(subjects.site(job.site).cancel, { attemptId: job.attempt_id }, cancelAttemptReply, 10_000);
      await this.store.markCancelDelivered(job.job_id, this.now());
      if (!reply.known) {
        // The agent never had it and now never will (it keeps a tombstone).
        const row = await this.store.transition(job.job_id, { state: 'CANCELLED', reason: 'cancelled before submission', at: this.now() });
        if (row) this.onChange();
      }
      this.logger.info({ jobId: job.job_id, known: reply.known }, 'cancel delivered');
      return 'ok';
    } catch (error) {
      // A cancel is retried whatever the refusal: the job must not run on unnoticed.
      const failure = classifyDispatchFailure(error);
      await this.deferCancel(job, failure.reason);
      return failure.kind === 'transient' && failure.siteDown ? 'site-down' : 'ok';
    }
  }

  private async deferCancel(job: JobRow, reason: string): Promise<void> {
    const tries = job.cancel_tries + 1;
    const next = nextTryAt(this.now(), tries);
    await this.store.deferCancel(job.job_id, tries, next);
    this.logger.warn({ jobId: job.job_id, site: job.site, tries, next: next.toISOString(), err: reason }, 'cancel not delivered; will retry');
  }

  private async fail(job: JobRow, reason: string): Promise<void> {
    const row = await this.store.transition(job.job_id, { state: 'FAILED', reason, at: this.now() });
    if (row) this.onChange();
  }
}
