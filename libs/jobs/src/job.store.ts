import { type ListScope } from '@cairn/access';
import { type KeysetKey, keysetPage, type Kysely, likePrefix, outboxTable, type OutboxTable, type Selectable, type SelectQueryBuilder, type Transaction } from '@cairn/adapters/postgres';
import { type AuditEntry, auditRow } from '@cairn/audit-log';
import {
  canTransition,
  isFinal,
  type JobEvent,
  type JobFacts,
  type JobRecord,
  type JobSpec,
  type JobState,
  type ListJobsQuery,
  jsonBytes,
  type Owner,
  type RunFacts,
  type RunInfo,
} from '@cairn/contracts';
import type { ItemOutcome } from './group-commit';
import { type Admission, type Admitted, admitJobs } from './job-admission';
import type { JobsTable, JobTransitionsTable, SchedulerDb } from './jobs.tables';

export type JobRow = Selectable<JobsTable>;
export type TransitionRow = Selectable<JobTransitionsTable>;
type JobsQuery = SelectQueryBuilder<SchedulerDb, 'jobs', JobRow>;

export interface NewJob {
  jobId: string;
  attemptId: string;
  requestId?: string;
  spec: JobSpec;
  imagePinned: string;
  imageDigest: string;
  at: Date;
  owner: Owner;
  account: string;
  /** The audit record of the submission, written in the same transaction. */
  audit: AuditEntry;
}

/** A failed try of one job: its new count and when to try next. */
export interface Deferral {
  jobId: string;
  tries: number;
  nextAt: Date;
}

/**
 * Deferrals grouped by (tries, next try), each job in one group only: a job named twice
 * keeps its last deferral, as one UPDATE per deferral in order would leave it.
 */
export function deferralGroups(deferrals: readonly Deferral[]): { tries: number; nextAt: Date; jobIds: string[] }[] {
  const last = new Map<string, Deferral>();
  for (const d of deferrals) {
    last.delete(d.jobId);
    last.set(d.jobId, d);
  }
  const groups = new Map<string, { tries: number; nextAt: Date; jobIds: string[] }>();
  for (const d of last.values()) {
    const key = `${d.tries}:${d.nextAt.getTime()}`;
    const group = groups.get(key);
    if (group) group.jobIds.push(d.jobId);
    else groups.set(key, { tries: d.tries, nextAt: d.nextAt, jobIds: [d.jobId] });
  }
  return [...groups.values()];
}

export interface StateChange {
  state: JobState;
  exitCode?: number | null;
  slurmJobId?: string;
  reason?: string;
  at: Date;
  /** What the job's wrapper measured (the agent's attempt event), carried by this transition's event. */
  run?: RunFacts;
}

/** The scheduler's tables: jobs and their transitions (the event outbox). */
export class JobStore {
  private readonly outbox: OutboxTable<TransitionRow>;

  constructor(private readonly db: Kysely<SchedulerDb>) {
    this.outbox = outboxTable(db, 'job_transitions');
  }

  /** Records one job (see admitJobs): its row, or the one recorded earlier under its request id. */
  async insert(job: NewJob): Promise<JobRow> {
    const [outcome] = await this.admit([{ job }]);
    if (outcome && 'value' in outcome) return outcome.value.row;
    throw outcome?.error ?? new Error('job not recorded');
  }

  /** Records a batch of jobs atomically (group commit; see admitJobs). */
  admit(items: readonly Admission[]): Promise<ItemOutcome<Admitted>[]> {
    return admitJobs(this.db, items);
  }

  byId(jobId: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
  }

  /** The job if it exists and is inside the scope (a job outside it is answered like a missing one). */
  byIdIn(jobId: string, scope: ListScope): Promise<JobRow | undefined> {
    return inScope(this.db.selectFrom('jobs').selectAll().where('job_id', '=', jobId), scope).executeTakeFirst();
  }

  /** How many jobs submitted directly (not a workflow's) are not yet finished: the owner's, and the account's (the counters of migration 0010). */
  async activeCounts(owner: Pick<Owner, 'issuer' | 'subject'>, account: string): Promise<{ owner: number; account: number }> {
    const counts = await this.activeCountsOf(owner, [account]);
    return { owner: counts.owner, account: counts.accounts.get(account) ?? 0 };
  }

  /** The same for several accounts at once (GetJobUsage); an account with no counter is left out (it has none). */
  async activeCountsOf(owner: Pick<Owner, 'issuer' | 'subject'>, accounts: readonly string[]): Promise<{ owner: number; accounts: Map<string, number> }> {
    const [mine, shared] = await Promise.all([
      this.db.selectFrom('active_jobs_by_owner').select('n').where('owner_issuer', '=', owner.issuer).where('owner_subject', '=', owner.subject).executeTakeFirst(),
      accounts.length === 0 ? [] : this.db.selectFrom('active_jobs_by_account').select(['account', 'n']).where('account', 'in', [...accounts]).execute(),
    ]);
    return { owner: Number(mine?.n ?? 0), accounts: new Map(shared.map((row) => [row.account, Number(row.n)])) };
  }

  /** Appends an audit record on its own (a refusal, which changes nothing else). */
  async audit(entry: AuditEntry): Promise<void> {
    await this.db.insertInto('audit_events').values(auditRow(entry)).execute();
  }

  /** Which of these jobs exist, whether each is live (not final), and whose it is: one query on the primary key. */
  async runsInfo(jobIds: readonly string[]): Promise<RunInfo[]> {
    if (jobIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('jobs')
      .select(['job_id', 'state', 'owner_issuer', 'owner_subject', 'owner_name', 'owner_posix_user', 'account'])
      .where('job_id', 'in', [...jobIds])
      .execute();
    return rows.map((row) => ({
      runId: row.job_id,
      kind: 'job',
      live: !isFinal(row.state),
      owner: { issuer: row.owner_issuer, subject: row.owner_subject, name: row.owner_name, posixUser: row.owner_posix_user },
      ...(row.account ? { account: row.account } : {}),
    }));
  }

  async byIds(jobIds: string[]): Promise<JobRow[]> {
    if (jobIds.length === 0) return [];
    return this.db.selectFrom('jobs').selectAll().where('job_id', 'in', jobIds).execute();
  }

  /** The job `owner` submitted with this request id (request ids are per owner). */
  byRequestId(requestId: string, owner: Pick<Owner, 'issuer' | 'subject'>): Promise<JobRow | undefined> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('request_id', '=', requestId)
      .where('owner_issuer', '=', owner.issuer)
      .where('owner_subject', '=', owner.subject)
      .executeTakeFirst();
  }

  byAttemptId(attemptId: string): Promise<JobRow | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('attempt_id', '=', attemptId).executeTakeFirst();
  }

  /** A page of the jobs inside the scope, newest first (see keysetPage). */
  list(query: Omit<ListJobsQuery, 'caller' | 'peer'>, scope: ListScope): Promise<{ rows: JobRow[]; nextPageToken: string }> {
    let q = inScope(this.db.selectFrom('jobs').selectAll(), scope);
    if (query.states.length > 0) q = q.where('state', 'in', query.states);
    if (query.site) q = q.where('site', '=', query.site);
    if (query.namePrefix) q = q.where('name', 'like', likePrefix(query.namePrefix));
    return keysetPage(q, query, jobKey, 'ListJobs', (row) => jsonBytes(toJobRecord(row)));
  }

  /**
   * Applies a state change if the state machine allows it; returns the updated row, or
   * undefined when the change is stale or repeated (so redelivered events are harmless).
   */
  async transition(jobId: string, change: StateChange, extra: { dispatched?: boolean } = {}): Promise<JobRow | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const current = await tx.selectFrom('jobs').selectAll().where('job_id', '=', jobId).forUpdate().executeTakeFirst();
      if (!current || !canTransition(current.state, change.state)) return undefined;
      const seq = current.seq + 1;
      const slurmJobId = change.slurmJobId || current.slurm_job_id;
      const row = await tx
        .updateTable('jobs')
        .set({
          state: change.state,
          exit_code: change.exitCode ?? current.exit_code,
          slurm_job_id: slurmJobId,
          reason: change.reason ?? '',
          seq,
          updated_at: change.at,
          ...(extra.dispatched && !current.dispatched_at ? { dispatched_at: change.at } : {}),
        })
        .where('job_id', '=', jobId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await this.insertTransition(tx, jobId, seq, change, slurmJobId);
      return row;
    });
  }

  private async insertTransition(
    tx: Transaction<SchedulerDb>,
    jobId: string,
    seq: number,
    change: StateChange,
    slurmJobId: string,
    facts?: JobFacts,
  ): Promise<void> {
    await tx
      .insertInto('job_transitions')
      .values({
        job_id: jobId,
        seq,
        state: change.state,
        exit_code: change.exitCode ?? null,
        slurm_job_id: slurmJobId,
        reason: change.reason ?? '',
        at: change.at,
        facts: facts ? JSON.stringify(facts) : null,
        run: change.run ? JSON.stringify(change.run) : null,
      })
      .execute();
  }

  /**
   * Jobs waiting to be handed to their site's agent whose next try is due, those never
   * tried first: a job that keeps failing waits its own backoff and never holds back others.
   */
  undispatched(limit: number, now: Date): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('state', '=', 'ACCEPTED')
      .where('dispatched_at', 'is', null)
      .where('cancel_requested_at', 'is', null)
      .where((eb) => eb.or([eb('dispatch_next_at', 'is', null), eb('dispatch_next_at', '<=', now)]))
      .orderBy('dispatch_next_at', (ob) => ob.nullsFirst())
      .orderBy('created_at')
      .limit(limit)
      .execute();
  }

  /** A failed try to hand the job over: count it and set when to try next. */
  async deferDispatch(jobId: string, tries: number, nextAt: Date): Promise<void> {
    await this.db.updateTable('jobs').set({ dispatch_tries: tries, dispatch_next_at: nextAt }).where('job_id', '=', jobId).execute();
  }

  /** A failed try to deliver a cancel: count it and set when to try next. */
  async deferCancel(jobId: string, tries: number, nextAt: Date): Promise<void> {
    await this.db.updateTable('jobs').set({ cancel_tries: tries, cancel_next_at: nextAt }).where('job_id', '=', jobId).execute();
  }

  /**
   * Failed tries of several jobs at once (the rest of a site that did not answer): one
   * UPDATE per distinct (tries, next try), not one per job. Each job gets what
   * deferDispatch (or deferCancel) would have given it.
   */
  async deferMany(kind: 'dispatch' | 'cancel', deferrals: readonly Deferral[]): Promise<void> {
    for (const group of deferralGroups(deferrals)) {
      const set = kind === 'dispatch' ? { dispatch_tries: group.tries, dispatch_next_at: group.nextAt } : { cancel_tries: group.tries, cancel_next_at: group.nextAt };
      await this.db.updateTable('jobs').set(set).where('job_id', 'in', group.jobIds).execute();
    }
  }

  /** Records that the attempt is being sent to its agent (kept from the first send on). */
  async markSent(jobId: string, at: Date): Promise<void> {
    await this.db.updateTable('jobs').set({ dispatch_sent_at: at }).where('job_id', '=', jobId).where('dispatch_sent_at', 'is', null).execute();
  }

  /** Undoes the markSent of `at` (only that one: a mark from an earlier send stays). */
  async unmarkSent(jobId: string, at: Date): Promise<void> {
    await this.db.updateTable('jobs').set({ dispatch_sent_at: null }).where('job_id', '=', jobId).where('dispatch_sent_at', '=', at).execute();
  }

  async markDispatched(jobId: string, at: Date): Promise<void> {
    await this.db.updateTable('jobs').set({ dispatched_at: at }).where('job_id', '=', jobId).where('dispatched_at', 'is', null).execute();
  }

  /** Records the cancel request (once) and its audit record, in one transaction. */
  async requestCancel(jobId: string, at: Date, audit: AuditEntry): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('jobs').set({ cancel_requested_at: at }).where('job_id', '=', jobId).where('cancel_requested_at', 'is', null).execute();
      await tx.insertInto('audit_events').values(auditRow(audit)).execute();
    });
  }

  /** Cancels requested but not yet delivered to the agent, for jobs still live, whose next try is due. */
  pendingCancels(limit: number, now: Date): Promise<JobRow[]> {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('cancel_requested_at', 'is not', null)
      .where('cancel_delivered_at', 'is', null)
      .where('state', 'in', ['ACCEPTED', 'PENDING', 'RUNNING'])
      .where((eb) => eb.or([eb('cancel_next_at', 'is', null), eb('cancel_next_at', '<=', now)]))
      .orderBy('cancel_next_at', (ob) => ob.nullsFirst())
      .orderBy('cancel_requested_at')
      .limit(limit)
      .execute();
  }

  async markCancelDelivered(jobId: string, at: Date): Promise<void> {
    await this.db.updateTable('jobs').set({ cancel_delivered_at: at }).where('job_id', '=', jobId).execute();
  }

  /** The transitions not yet sent to CAIRN_JOB_EVENTS (the outbox). */
  unpublished(limit: number): Promise<TransitionRow[]> {
    return this.outbox.unpublished(limit);
  }

  markPublished(ids: string[]): Promise<void> {
    return this.outbox.markPublished(ids);
  }
}

/** The access policy's scope as a WHERE: own jobs, and those charged to the scope's accounts. */
function inScope(query: JobsQuery, scope: ListScope): JobsQuery {
  if (scope.all) return query;
  const { owner, accounts } = scope;
  return query.where((eb) =>
    eb.or([
      eb.and([eb('owner_issuer', '=', owner.issuer), eb('owner_subject', '=', owner.subject)]),
      ...(accounts.length > 0 ? [eb('account', 'in', [...accounts])] : []),
    ]),
  );
}

export function ownerOfRow(row: JobRow): Owner {
  return { issuer: row.owner_issuer, subject: row.owner_subject, name: row.owner_name, posixUser: row.owner_posix_user };
}

const jobKey: KeysetKey<JobRow> = { createdAtColumn: 'created_at', idColumn: 'job_id', createdAt: (row) => row.created_at, id: (row) => row.job_id };

/** A recorded transition as the event CAIRN_JOB_EVENTS carries. */
export function toJobEvent(row: TransitionRow): JobEvent {
  return {
    jobId: row.job_id,
    sequence: row.seq,
    state: row.state,
    exitCode: row.exit_code,
    slurmJobId: row.slurm_job_id,
    reason: row.reason,
    time: new Date(row.at).toISOString(),
    ...(row.facts ? { facts: row.facts } : {}),
    ...(row.run ? { run: row.run } : {}),
  };
}

export function toJobRecord(row: JobRow): JobRecord {
  return {
    jobId: row.job_id,
    spec: row.spec,
    imageDigest: row.image_pinned,
    state: row.state,
    exitCode: row.exit_code,
    slurmJobId: row.slurm_job_id,
    reason: row.reason,
    attemptId: row.attempt_id,
    createTime: new Date(row.created_at).toISOString(),
    updateTime: new Date(row.updated_at).toISOString(),
    owner: ownerOfRow(row),
    account: row.account,
  };
}
