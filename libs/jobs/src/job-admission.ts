import { checkRunLimits, type RunLimits } from '@cairn/access';
import type { Kysely } from '@cairn/adapters/postgres';
import { auditRow } from '@cairn/audit-log';
import type { Owner } from '@cairn/contracts';
import type { ItemOutcome } from './group-commit';
import { jobFacts } from './job-facts';
import type { JobRow, NewJob } from './job.store';
import type { SchedulerDb } from './jobs.tables';

/** A job to record: with `limits`, it counts toward its owner's and account's run limits (a job submitted directly). */
export interface Admission {
  job: NewJob;
  limits?: RunLimits;
}

/** The recorded job; `inserted` false: the one recorded earlier (or by an earlier item of the batch) under the same request id. */
export interface Admitted {
  row: JobRow;
  inserted: boolean;
}

/** Code-unit order: the same in every process, whatever the database's collation. */
const compare = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
const ownerKey = (o: Pick<Owner, 'issuer' | 'subject'>) => JSON.stringify([o.issuer, o.subject]);
const requestKey = (o: Pick<Owner, 'issuer' | 'subject'>, requestId: string) => JSON.stringify([o.issuer, o.subject, requestId]);

/**
 * Records a batch of jobs atomically (group commit): each job, its ACCEPTED transition (the
 * outbox) and its audit record, in one statement, or in one transaction when the batch has
 * request ids or run limits. Per item in order: a request id the owner used before (or an
 * earlier item of the batch used) gets that job; a job over its owner's or account's run limit
 * is refused alone (RESOURCE_EXHAUSTED), counting the committed jobs and those accepted earlier
 * in the batch. The counters of the batch's owners and accounts are locked before they are
 * read, until the commit, so the limits hold exactly whatever else commits jobs at the same
 * time (another scheduler process on the same database). A throw (the statement or the commit
 * failing) records nothing.
 *
 * A batch with request ids is first tried as if none of them was used before, the way a batch
 * without them goes (the request ids are not looked up, one statement inserts everything).
 * When one was used before, the insert fails on the unique index of (owner, request id), and
 * when a limit refuses an item (a repeat among the items would not have taken a place), that
 * try is given up. Both undo the try's transaction whole. The batch then goes again with the
 * request ids looked up first. A repeated request id is the rare case (a client retrying), so
 * most batches pay for one statement, as without request ids.
 */
export async function admitJobs(db: Kysely<SchedulerDb>, items: readonly Admission[]): Promise<ItemOutcome<Admitted>[]> {
  const keyed = items.some(({ job }) => job.requestId !== undefined);
  // Without request ids or limits nothing can conflict (job and attempt ids are new): the
  // jobs, their transitions and audit records go in as ONE statement, atomic without a
  // transaction (the workflow engine's jobs).
  if (!keyed && !items.some((a) => a.limits)) return admitIn(db, items, false);
  try {
    return await db.transaction().execute((tx) => admitIn(tx, items, false));
  } catch (error) {
    if (!keyed || !(error instanceof LookUpFirst || isUniqueViolation(error))) throw error;
  }
  return db.transaction().execute((tx) => admitIn(tx, items, true));
}

/** A try without looking the request ids up refused an item: with them looked up, a repeat would take no place. */
class LookUpFirst extends Error {}

/** PostgreSQL's unique_violation: here, a request id its owner used before (the index of migration 0007). */
const isUniqueViolation = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

/**
 * The batch inside its transaction (or, with neither request ids nor limits, its one
 * statement). `lookUp`: the request ids used before are read first and their jobs are the
 * answers (the insert skips one recorded meanwhile); otherwise none is expected, and a limit
 * refusal in a batch with request ids throws LookUpFirst.
 */
async function admitIn(db: Kysely<SchedulerDb>, items: readonly Admission[], lookUp: boolean): Promise<ItemOutcome<Admitted>[]> {
  const keyed = items.some(({ job }) => job.requestId !== undefined);
  const record = lookUp ? insertThenRecord : insertAndRecord;
  const earlier = lookUp ? await byRequestIds(db, items) : new Map<string, JobRow>();
  const counts = await lockedCounts(db, items.filter((a) => a.limits));
  const outcomes: (ItemOutcome<Admitted> | { sameAs: string } | { insert: NewJob })[] = [];
  const claimed = new Set<string>();
  for (const { job, limits } of items) {
    const key = job.requestId ? requestKey(job.owner, job.requestId) : undefined;
    const found = key ? earlier.get(key) : undefined;
    if (found) {
      outcomes.push({ value: { row: found, inserted: false } });
      continue;
    }
    if (key && claimed.has(key)) {
      outcomes.push({ sameAs: key });
      continue;
    }
    if (limits) {
      const mine = counts.owners.get(ownerKey(job.owner)) ?? 0;
      const shared = counts.accounts.get(job.account) ?? 0;
      try {
        checkRunLimits('jobs', limits, { name: job.owner.name, active: mine }, { account: job.account, active: shared });
      } catch (error) {
        if (keyed && !lookUp) throw new LookUpFirst();
        outcomes.push({ error });
        continue;
      }
      counts.owners.set(ownerKey(job.owner), mine + 1);
      counts.accounts.set(job.account, shared + 1);
    }
    if (key) claimed.add(key);
    outcomes.push({ insert: job });
  }
  const toInsert = outcomes.flatMap((o) => ('insert' in o ? [o.insert] : []));
  const inserted = new Map((await record(db, toInsert)).map((row) => [row.job_id, row]));
  // A request id recorded meanwhile by another writer (ON CONFLICT DO NOTHING): that job is the answer.
  const lost = toInsert.filter((job) => !inserted.has(job.jobId));
  const winners = lost.length > 0 ? await byRequestIds(db, lost.map((job) => ({ job }))) : new Map<string, JobRow>();
  const rowOf = new Map<string, Admitted>();
  for (const job of toInsert) {
    const row = inserted.get(job.jobId);
    const key = job.requestId ? requestKey(job.owner, job.requestId) : undefined;
    const winner = key ? winners.get(key) : undefined;
    const admitted = row ? { row, inserted: true } : winner ? { row: winner, inserted: false } : undefined;
    if (!admitted) throw new Error(`job ${job.jobId} was neither recorded nor found by its request id`);
    if (key) rowOf.set(key, { row: admitted.row, inserted: false });
    rowOf.set(job.jobId, admitted);
  }
  return outcomes.map((o) => {
    if (!('insert' in o) && !('sameAs' in o)) return o;
    const admitted = rowOf.get('insert' in o ? o.insert.jobId : o.sameAs);
    if (!admitted) throw new Error('an admitted job has no row');
    return { value: admitted };
  });
}

/** The jobs recorded earlier under the items' request ids, by owner and request id. */
async function byRequestIds(db: Kysely<SchedulerDb>, items: readonly Pick<Admission, 'job'>[]): Promise<Map<string, JobRow>> {
  const keyed = items.flatMap(({ job }) => (job.requestId ? [{ owner: job.owner, requestId: job.requestId }] : []));
  if (keyed.length === 0) return new Map();
  const rows = await db
    .selectFrom('jobs')
    .selectAll()
    .where((eb) =>
      eb.or(keyed.map((k) => eb.and([eb('owner_issuer', '=', k.owner.issuer), eb('owner_subject', '=', k.owner.subject), eb('request_id', '=', k.requestId)]))),
    )
    .execute();
  return new Map(rows.map((row) => [requestKey({ issuer: row.owner_issuer, subject: row.owner_subject }, row.request_id ?? ''), row]));
}

/**
 * Unfinished jobs submitted directly, of the items' owners and of their accounts, from the
 * counters the triggers on jobs keep (migration 0010), in one statement whatever the counts.
 * Inside the batch's transaction: each counter row is locked (made, at 0, when it is the
 * first of its owner or account) and read as last committed, owners before accounts and each
 * in key order, the order the triggers lock them in, so two writers never wait on each other
 * in opposite orders. A writer that counted before commits before this reads.
 */
async function lockedCounts(db: Kysely<SchedulerDb>, items: readonly Admission[]): Promise<{ owners: Map<string, number>; accounts: Map<string, number> }> {
  const counts = { owners: new Map<string, number>(), accounts: new Map<string, number>() };
  if (items.length === 0) return counts;
  const owners = [...new Map(items.map(({ job }) => [ownerKey(job.owner), job.owner])).values()];
  const accounts = [...new Set(items.map(({ job }) => job.account))];
  // Sorted the same way by every writer. The CTEs are read in the order of the UNION ALL, each to its end: owners first.
  owners.sort((x, y) => compare(x.issuer, y.issuer) || compare(x.subject, y.subject));
  accounts.sort(compare);
  const rows = await db
    .with('o', (q) =>
      q
        .insertInto('active_jobs_by_owner')
        .values(owners.map((o) => ({ owner_issuer: o.issuer, owner_subject: o.subject, n: 0 })))
        // The row as last committed (waiting for a writer that holds it), now locked: n stays n.
        .onConflict((oc) => oc.columns(['owner_issuer', 'owner_subject']).doUpdateSet((eb) => ({ n: eb.ref('active_jobs_by_owner.n') })))
        .returning(['owner_issuer', 'owner_subject', 'n']),
    )
    .with('a', (q) =>
      q
        .insertInto('active_jobs_by_account')
        .values(accounts.map((account) => ({ account, n: 0 })))
        .onConflict((oc) => oc.column('account').doUpdateSet((eb) => ({ n: eb.ref('active_jobs_by_account.n') })))
        .returning(['account', 'n']),
    )
    .selectFrom('o')
    .select((eb) => [eb.lit<boolean>(true).as('by_owner'), 'owner_issuer', 'owner_subject', eb.cast<string>(eb.val(''), 'text').as('account'), 'n'])
    .unionAll((eb) =>
      eb
        .selectFrom('a')
        .select((eb2) => [eb2.lit<boolean>(false).as('by_owner'), eb2.cast<string>(eb2.val(''), 'text').as('owner_issuer'), eb2.cast<string>(eb2.val(''), 'text').as('owner_subject'), 'account', 'n']),
    )
    .execute();
  for (const row of rows) {
    if (row.by_owner) counts.owners.set(ownerKey({ issuer: row.owner_issuer, subject: row.owner_subject }), Number(row.n));
    else counts.accounts.set(row.account, Number(row.n));
  }
  return counts;
}

/** The jobs' rows as inserted. */
function jobValues(jobs: readonly NewJob[]) {
  return jobs.map((job) => ({
    job_id: job.jobId,
    request_id: job.requestId ?? null,
    name: job.spec.name,
    site: job.spec.site,
    spec: JSON.stringify(job.spec),
    image_pinned: job.imagePinned,
    image_digest: job.imageDigest,
    state: 'ACCEPTED' as const,
    exit_code: null,
    slurm_job_id: '',
    reason: '',
    attempt_id: job.attemptId,
    seq: 1,
    dispatched_at: null,
    cancel_requested_at: null,
    cancel_delivered_at: null,
    created_at: job.at,
    updated_at: job.at,
    owner_issuer: job.owner.issuer,
    owner_subject: job.owner.subject,
    owner_name: job.owner.name,
    owner_posix_user: job.owner.posixUser,
    account: job.account,
    workflow_run: job.spec.run?.id ?? null,
  }));
}

/** The jobs' ACCEPTED transitions (with their facts), in the batch's order. */
function transitionValues(jobs: readonly NewJob[]) {
  return jobs.map((job) => ({
    job_id: job.jobId,
    seq: 1,
    state: 'ACCEPTED' as const,
    exit_code: null,
    slurm_job_id: '',
    reason: '',
    at: job.at,
    facts: JSON.stringify(jobFacts(job)),
    run: null,
  }));
}

const auditValues = (jobs: readonly NewJob[]) => jobs.map((job) => auditRow({ ...job.audit, ids: [job.jobId, ...job.audit.ids] }));

/**
 * A batch with request ids looked up, inside its transaction: the insert skips a request id another
 * writer recorded meanwhile (ON CONFLICT DO NOTHING), and only the jobs inserted get their
 * transition and audit record (one statement for both).
 */
async function insertThenRecord(tx: Kysely<SchedulerDb>, jobs: readonly NewJob[]): Promise<JobRow[]> {
  if (jobs.length === 0) return [];
  const rows = await tx
    .insertInto('jobs')
    .values(jobValues(jobs))
    .onConflict((oc) => oc.columns(['owner_issuer', 'owner_subject', 'request_id']).doNothing())
    .returningAll()
    .execute();
  const recorded = new Set(rows.map((row) => row.job_id));
  const fresh = jobs.filter((job) => recorded.has(job.jobId));
  if (fresh.length > 0) {
    await tx
      .with('transitions', (db) => db.insertInto('job_transitions').values(transitionValues(fresh)))
      .insertInto('audit_events')
      .values(auditValues(fresh))
      .execute();
  }
  return rows;
}

/**
 * A batch without request ids, or with request ids none expected to be used before: the jobs,
 * their transitions and audit records in one statement (a request id used before fails it). Its sub-statements share one snapshot; the transitions' foreign
 * key to the jobs is checked at the statement's end, when the jobs are there.
 */
async function insertAndRecord(db: Kysely<SchedulerDb>, jobs: readonly NewJob[]): Promise<JobRow[]> {
  if (jobs.length === 0) return [];
  return db
    .with('inserted', (q) => q.insertInto('jobs').values(jobValues(jobs)).returningAll())
    .with('transitions', (q) => q.insertInto('job_transitions').values(transitionValues(jobs)))
    .with('audit', (q) => q.insertInto('audit_events').values(auditValues(jobs)))
    .selectFrom('inserted')
    .selectAll()
    .execute();
}
