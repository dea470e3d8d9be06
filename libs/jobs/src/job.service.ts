import { randomUUID } from 'node:crypto';
import {
  type AttemptEvent,
  CairnError,
  excerpt,
  type JobRecord,
  type JobSpec,
  type ListJobsQuery,
  MAX_ROWS_REPLY_BYTES,
  type OutputPage,
  outputReply,
  type ResolvedImage,
  resolvedImageSchema,
  rowsWithin,
  subjects,
} from '@cairn/contracts';
import type { NatsRequester } from '@cairn/adapters/nats';
import { insertOnce } from '@cairn/adapters/postgres';
import type { Logger } from '@cairn/logging';
import { eventRefusal, storableReason } from './attempt-event-check';
import { type JobStore, toJobRecord } from './job.store';
import type { Wakeable } from '@cairn/service-kit';

export interface JobServiceOptions {
  /** Sites the scheduler knows; a job for any other site is refused. */
  sites: readonly string[];
}

/** The scheduler's job logic: accept, query, cancel, and apply what agents report. */
export class JobService {
  constructor(
    private readonly store: JobStore,
    private readonly requester: NatsRequester,
    private readonly options: JobServiceOptions,
    private readonly wake: { dispatcher: Wakeable; outbox: Wakeable },
    private readonly logger: Logger,
  ) {}

  async submit(spec: JobSpec, requestId?: string): Promise<JobRecord> {
    // Once per request id: a repeat (or the loser of a race) gets the first job.
    const { row, found } = await insertOnce({
      requestId,
      find: (id) => this.store.byRequestId(id),
      prepare: async () => {
        if (!this.options.sites.includes(spec.site)) {
          throw new CairnError(
            'INVALID_ARGUMENT',
            `spec.site: unknown site "${spec.site}"; known sites: ${this.options.sites.join(', ')}`,
          );
        }
        return this.resolveImage(spec.image);
      },
      insert: (image) =>
        this.store.insert({
          jobId: randomUUID(),
          attemptId: randomUUID(),
          requestId,
          spec,
          imagePinned: image.pinned,
          imageDigest: image.digest,
          at: new Date(),
        }),
    });
    if (found) return toJobRecord(row);
    this.logger.info({ jobId: row.job_id, attemptId: row.attempt_id, site: row.site }, 'job accepted');
    this.wake.outbox.wake();
    this.wake.dispatcher.wake();
    return toJobRecord(row);
  }

  async get(jobId: string): Promise<JobRecord> {
    const row = await this.store.byId(jobId);
    if (!row) throw new CairnError('NOT_FOUND', `job ${jobId} not found`);
    return toJobRecord(row);
  }

  /**
   * The jobs that exist among these ids (unknown ids are left out), as many as fit one
   * reply; the ids of those that did not fit come back as `remaining`.
   */
  async byIds(jobIds: string[]): Promise<{ jobs: JobRecord[]; remaining?: string[] }> {
    const jobs = (await this.store.byIds(jobIds)).map(toJobRecord);
    const fit = rowsWithin(jobs, MAX_ROWS_REPLY_BYTES);
    if (fit === jobs.length) return { jobs };
    return { jobs: jobs.slice(0, fit), remaining: jobs.slice(fit).map((j) => j.jobId) };
  }

  async list(query: ListJobsQuery): Promise<{ jobs: JobRecord[]; nextPageToken: string }> {
    const { rows, nextPageToken } = await this.store.list(query);
    return { jobs: rows.map(toJobRecord), nextPageToken };
  }

  async cancel(jobId: string): Promise<JobRecord> {
    const row = await this.store.byId(jobId);
    if (!row) throw new CairnError('NOT_FOUND', `job ${jobId} not found`);
    await this.store.requestCancel(jobId, new Date());
    this.logger.info({ jobId }, 'cancel requested');
    this.wake.dispatcher.wake();
    return this.get(jobId);
  }

  /** One page of the last `maxBytes` of a job's output, from its site's agent (see jobOutputQuery). */
  async output(jobId: string, stream: 'stdout' | 'stderr', window: { maxBytes: number; offset?: number; end?: number }): Promise<OutputPage> {
    const row = await this.store.byId(jobId);
    if (!row) throw new CairnError('NOT_FOUND', `job ${jobId} not found`);
    if (!row.slurm_job_id) {
      throw new CairnError('FAILED_PRECONDITION', `job ${jobId} has no output yet: it is not in Slurm (state ${row.state})`);
    }
    return this.requester.request(
      subjects.site(row.site).output,
      { attemptId: row.attempt_id, stream, ...window },
      outputReply,
    );
  }

  /**
   * Applies an agent's attempt event that arrived on `subject`; stale and repeated events
   * change nothing, and an event that fails the checks of `eventRefusal` (wrong site, an
   * attempt never dispatched, ...) is dropped with a warning.
   */
  async applyAttemptEvent(subject: string, event: AttemptEvent): Promise<void> {
    const row = await this.store.byAttemptId(event.attemptId);
    const refusal = eventRefusal(subject, event, row);
    if (refusal || !row) {
      this.logger.warn(
        { subject: excerpt(subject), attemptId: event.attemptId, jobId: event.jobId, site: event.site, state: event.state, reason: refusal },
        'attempt event dropped',
      );
      return;
    }
    const updated = await this.store.transition(
      row.job_id,
      {
        state: event.state,
        exitCode: event.exitCode,
        slurmJobId: event.slurmJobId,
        reason: storableReason(event.reason),
        at: new Date(event.time),
      },
      { dispatched: true },
    );
    if (updated) {
      this.logger.info({ jobId: row.job_id, state: updated.state, exitCode: updated.exit_code }, 'job state changed');
      this.wake.outbox.wake();
    }
  }

  private async resolveImage(reference: string): Promise<ResolvedImage> {
    try {
      return await this.requester.request(subjects.images.resolve, { reference }, resolvedImageSchema, 15_000);
    } catch (error) {
      if (error instanceof CairnError && (error.code === 'NOT_FOUND' || error.code === 'INVALID_ARGUMENT')) {
        throw new CairnError('INVALID_ARGUMENT', `spec.image: ${error.message}`);
      }
      throw error;
    }
  }
}
