import { randomUUID } from 'node:crypto';
import { canCancel, chooseAccount, DEFAULT_RUN_LIMITS, listScope, type RunLimits, runUsage } from '@cairn/access';
import { type AuditEntry, type AuditOf, refusalsAudited } from '@cairn/audit-log';
import {
  type AttemptEvent,
  CairnError,
  type Called,
  denied,
  notFound,
  ownerOf,
  RPC,
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
  storableRunFacts,
  subjects,
  type Usage,
} from '@cairn/contracts';
import type { ImagePrewarm, NatsRequester } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import { eventRefusal, storableReason } from './attempt-event-check';
import { DEFAULT_MAX_BATCH, GroupCommit } from './group-commit';
import type { Admission, Admitted } from './job-admission';
import { type JobRow, type JobStore, ownerOfRow, toJobRecord } from './job.store';
import { ResolvedImages } from './resolved-images';
import type { Wakeable } from '@cairn/service-kit';

export interface JobServiceOptions {
  /** Sites the scheduler knows; a job for any other site is refused. */
  sites: readonly string[];
  /** How many unfinished jobs a person and a project may have (default DEFAULT_RUN_LIMITS). */
  limits?: RunLimits;
  /** Most submissions one group commit records (default DEFAULT_MAX_BATCH). */
  maxBatch?: number;
}

/** The scheduler's job logic: accept, query, cancel, and apply what agents report. */
export class JobService {
  /** Accepted jobs waiting for their group commit. */
  private readonly intake: GroupCommit<Admission, Admitted>;
  /** Resolutions reused for as long as the images service allows (its tag TTL). */
  private readonly resolved: ResolvedImages;

  constructor(
    private readonly store: JobStore,
    private readonly requester: NatsRequester,
    private readonly options: JobServiceOptions,
    private readonly wake: { dispatcher: Wakeable; outbox: Wakeable },
    private readonly logger: Logger,
    /** Told of each lone job accepted, so its site starts materialising the image (none: nobody is told). */
    private readonly images?: ImagePrewarm,
  ) {
    this.intake = new GroupCommit((items) => this.store.admit(items), options.maxBatch ?? DEFAULT_MAX_BATCH);
    this.resolved = new ResolvedImages((reference, site) =>
      this.requester.request(subjects.images.resolve, { reference, site }, resolvedImageSchema, 15_000),
    );
  }

  /** The caller's unfinished jobs, and those of each account they may charge, against the run limits a submission is checked against. */
  async usage(who: Called): Promise<Usage> {
    return runUsage('jobs', this.options.limits ?? DEFAULT_RUN_LIMITS, who.caller, await this.store.activeCountsOf(who.caller, who.caller.accounts));
  }

  /**
   * Accepts a job for the caller, charged to the account the spec names (one of theirs) or
   * their default; the job and its audit record are written atomically (shared with
   * the submissions committed in the same group) before the answer. A refusal records only
   * its audit record.
   */
  async submit(spec: JobSpec, requestId: string | undefined, who: Called): Promise<JobRecord> {
    const owner = ownerOf(who.caller);
    const audit = (outcome: AuditEntry['outcome'], reason?: string): AuditEntry => ({
      at: new Date(),
      rpc: who.rpc ?? RPC.submitJob,
      ids: requestId ? [requestId] : [],
      who: owner,
      peer: who.peer,
      outcome,
      reason,
    });
    return this.refusalsAudited(audit, () => this.accept(spec, requestId, who, audit('OK')));
  }

  private async accept(spec: JobSpec, requestId: string | undefined, who: Called, audit: AuditEntry): Promise<JobRecord> {
    const account = chooseAccount(who.caller, spec.account);
    const owner = ownerOf(who.caller);
    // Once per request id and owner: a repeat gets its first job, whatever became of the site
    // or the image since, without asking anyone else. When the site is known and its image's
    // answer is at hand, the group commit finds the first job inside its transaction and
    // nothing is read here; otherwise it is looked up first, as it always was.
    const lookedUp = requestId !== undefined && !(this.options.sites.includes(spec.site) && this.imageAtHand(spec));
    const earlier = lookedUp ? await this.store.byRequestId(requestId, owner) : undefined;
    if (earlier) return toJobRecord(earlier);
    let image: ResolvedImage;
    try {
      if (!this.options.sites.includes(spec.site)) {
        throw new CairnError('INVALID_ARGUMENT', `spec.site: unknown site "${spec.site}"; known sites: ${this.options.sites.join(', ')}`);
      }
      image = await this.imageOf(spec);
    } catch (error) {
      // The answer at hand expired meanwhile and asking again failed: a repeat still gets its job.
      const first = requestId && !lookedUp ? await this.store.byRequestId(requestId, owner) : undefined;
      if (first) return toJobRecord(first);
      throw error;
    }
    // Committed with the submissions that arrive meanwhile (group commit), which also answers
    // a repeated request id with its first job and checks the run limits (a workflow's own
    // jobs count toward its run, let in already).
    const { row, inserted } = await this.intake.add({
      job: {
        jobId: randomUUID(),
        attemptId: randomUUID(),
        requestId,
        spec: { ...spec, account },
        imagePinned: image.pinned,
        imageDigest: image.digest,
        at: new Date(),
        owner,
        account,
        audit,
      },
      ...(spec.run ? {} : { limits: this.options.limits ?? DEFAULT_RUN_LIMITS }),
    });
    if (!inserted) return toJobRecord(row);
    this.logger.info({ jobId: row.job_id, attemptId: row.attempt_id, site: row.site, owner: owner.name, account }, 'job accepted');
    this.wake.outbox.wake();
    this.wake.dispatcher.wake();
    // Durable now: the site may start on the image. A workflow's jobs were pre-warmed with their run.
    if (!spec.run) this.images?.prewarm(row.site, [image], row.job_id);
    return toJobRecord(row);
  }

  async get(jobId: string, who: Called): Promise<JobRecord> {
    return toJobRecord(await this.visible(jobId, who, RPC.getJob));
  }

  /**
   * The job if the caller may read it. A job they may not read is answered exactly like a
   * missing one (NOT_FOUND, the same message), and the denial is audited.
   */
  private async visible(jobId: string, who: Called, rpc: string): Promise<JobRow> {
    const row = await this.store.byIdIn(jobId, listScope(who.caller));
    if (row) return row;
    const hidden = await this.store.byId(jobId);
    await this.store.audit({
      at: new Date(),
      rpc: who.rpc ?? rpc,
      ids: [jobId],
      who: ownerOf(who.caller),
      peer: who.peer,
      outcome: 'NOT_FOUND',
      reason: hidden ? `job of ${hidden.owner_name} (account ${hidden.account || 'none'}) not visible to the caller` : 'no such job',
    });
    throw notFound(`job ${jobId} not found`);
  }

  /** Runs `change`; a refusal it throws is audited (outcome: its code) before it passes on. */
  private refusalsAudited<T>(audit: AuditOf, change: () => Promise<T>): Promise<T> {
    return refusalsAudited((entry) => this.store.audit(entry), (e: unknown) => this.logger.error({ err: e }, 'audit record not written'), audit, change);
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

  /** A page of the jobs the caller may read (own, their projects', or all for an admin), filtered in SQL. */
  async list(query: ListJobsQuery): Promise<{ jobs: JobRecord[]; nextPageToken: string }> {
    const { caller, ...page } = query;
    const { rows, nextPageToken } = await this.store.list(page, listScope(caller));
    return { jobs: rows.map(toJobRecord), nextPageToken };
  }

  /** Cancels a job the caller owns (an admin: any); another's job they can read is PERMISSION_DENIED, one they cannot NOT_FOUND. */
  async cancel(jobId: string, who: Called): Promise<JobRecord> {
    const row = await this.visible(jobId, who, RPC.cancelJob);
    const audit = (outcome: AuditEntry['outcome'], reason?: string): AuditEntry => ({
      at: new Date(),
      rpc: who.rpc ?? RPC.cancelJob,
      ids: [jobId],
      who: ownerOf(who.caller),
      peer: who.peer,
      outcome,
      reason,
    });
    return this.refusalsAudited(audit, async () => {
      const owner = ownerOfRow(row);
      if (!canCancel(who.caller, owner, row.account)) {
        throw denied(`job ${jobId} belongs to ${owner.name}: only its owner or an admin may cancel it`);
      }
      await this.store.requestCancel(jobId, new Date(), audit('OK'));
      this.logger.info({ jobId, by: who.caller.name }, 'cancel requested');
      this.wake.dispatcher.wake();
      return toJobRecord((await this.store.byId(jobId)) ?? row);
    });
  }

  /** One page of the last `maxBytes` of a job's output, from its site's agent (see jobOutputQuery). */
  async output(jobId: string, stream: 'stdout' | 'stderr', window: { maxBytes: number; offset?: number; end?: number }, who: Called): Promise<OutputPage> {
    const row = await this.visible(jobId, who, RPC.getJobOutput);
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
        ...(event.run ? { run: storableRunFacts(event.run) } : {}),
      },
      { dispatched: true },
    );
    if (updated) {
      this.logger.info({ jobId: row.job_id, state: updated.state, exitCode: updated.exit_code }, 'job state changed');
      this.wake.outbox.wake();
    }
  }

  /**
   * The image the job runs. A workflow's job names the reference its run pinned when it was
   * planned: that reference is what it runs, never resolved again. Any other reference is
   * resolved for the job's site (its allow-list and platform); a refusal keeps its code
   * (INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND, UNAVAILABLE) and names spec.image.
   */
  /** Whether imageOf would answer without asking the images service (a run's pinned reference, or an answer kept). */
  private imageAtHand(spec: JobSpec): boolean {
    return (spec.run !== undefined && PINNED.test(spec.image)) || this.resolved.holds(spec.image, spec.site);
  }

  private async imageOf(spec: JobSpec): Promise<ResolvedImage> {
    const digest = spec.run ? PINNED.exec(spec.image)?.[1] : undefined;
    if (digest) return { reference: spec.image, pinned: spec.image, digest };
    try {
      return await this.resolved.resolve(spec.image, spec.site);
    } catch (error) {
      if (error instanceof CairnError && RESOLUTION_REFUSALS.has(error.code)) throw new CairnError(error.code, `spec.image: ${error.message}`);
      throw error;
    }
  }
}

/** A reference pinned to a digest (registry/repository@sha256:<hex>). */
const PINNED = /^[^\s@]+@(sha256:[a-f0-9]{64})$/;
/** The refusals of resolution passed on with their code, naming the field. */
const RESOLUTION_REFUSALS: ReadonlySet<string> = new Set(['INVALID_ARGUMENT', 'PERMISSION_DENIED', 'NOT_FOUND', 'UNAVAILABLE']);
