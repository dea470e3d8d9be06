import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { openDatabase, sql } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import type { NatsRequester } from '@cairn/adapters/nats';
import { CairnError, type Called, subjects } from '@cairn/contracts';
import { as, freshEmbeddedDir, strictMock } from '@cairn/testing';
import type { ItemOutcome } from './group-commit';
import type { Admission, Admitted } from './job-admission';
import { JobStore, type NewJob } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';
import { JobService } from './job.service';
import { FIXTURE_PINNED, fixtureJob, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';

const LIMITS = { jobsPerPerson: 3, jobsPerProject: 4, workflowsPerPerson: 1, workflowsPerProject: 1 };

const newJob = (who: Called, name: string, requestId?: string, account = 'alice-lab'): NewJob => fixtureJob(who, { name, account, ...(requestId ? { requestId } : {}) });

const code = (o: ItemOutcome<Admitted> | undefined) => (o && 'error' in o ? (o.error instanceof CairnError ? o.error.code : 'other') : 'OK');

describe('admitJobs: a batch of jobs recorded atomically (one statement, or one transaction with request ids or run limits) [real: PGlite]', () => {
  let store: JobStore;
  let db: Awaited<ReturnType<typeof openDatabase<SchedulerDb>>>;

  beforeAll(async () => {
    db = await openDatabase<SchedulerDb>({ embeddedDir: await freshEmbeddedDir('admit-'), schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    store = new JobStore(db.db);
  });
  afterAll(() => db.close());

  const countNamed = async (prefix: string) => {
    const jobs = await db.db.selectFrom('jobs').select((eb) => eb.fn.countAll<string>().as('n')).where('name', 'like', `${prefix}%`).executeTakeFirstOrThrow();
    const audits = await sql<{ n: string }>`SELECT count(*) AS n FROM audit_events a JOIN jobs j ON a.ids->>0 = j.job_id::text WHERE j.name LIKE ${`${prefix}%`}`.execute(db.db);
    return { jobs: Number(jobs.n), audits: Number(audits.rows[0]?.n) };
  };

  it('records the whole batch in one transaction (one statement without request ids or limits): each job, its ACCEPTED transition and its audit record', async () => {
    const items: Admission[] = Array.from({ length: 12 }, (_, i) => ({ job: newJob(i % 2 ? as.alice : as.bob, `one-tx-${i}`, undefined, i % 2 ? 'alice-lab' : 'genomics') }));
    const outcomes = await store.admit(items);
    expect(outcomes.map(code)).toEqual(items.map(() => 'OK'));
    const ids = items.map((a) => a.job.jobId);
    const xmins = await sql<{ xmin: string }>`SELECT DISTINCT xmin::text AS xmin FROM jobs WHERE job_id = ANY(${ids}::uuid[])`.execute(db.db);
    expect(xmins.rows).toHaveLength(1);
    const transitions = await db.db.selectFrom('job_transitions').select(['job_id', 'seq', 'state']).where('job_id', 'in', ids).execute();
    expect(transitions.map((t) => [t.seq, t.state])).toEqual(ids.map(() => [1, 'ACCEPTED']));
    expect(await countNamed('one-tx-')).toEqual({ jobs: 12, audits: 12 });
  });

  it('a request id used before, or twice in the batch, gets one job; others of the batch are unaffected', async () => {
    const [first] = await store.admit([{ job: newJob(as.alice, 'rid-0', 'rid-a') }]);
    const firstId = first && 'value' in first ? first.value.row.job_id : '';
    const outcomes = await store.admit([
      { job: newJob(as.alice, 'rid-1', 'rid-a') },
      { job: newJob(as.alice, 'rid-2', 'rid-b') },
      { job: newJob(as.alice, 'rid-3', 'rid-b') },
      // The same request id of another person is theirs.
      { job: newJob(as.bob, 'rid-4', 'rid-b', 'genomics') },
    ]);
    const rows = outcomes.map((o) => (o && 'value' in o ? [o.value.row.name, o.value.inserted] : ['error', false]));
    expect(rows).toEqual([
      ['rid-0', false],
      ['rid-2', true],
      ['rid-2', false],
      ['rid-4', true],
    ]);
    expect(outcomes[0] && 'value' in outcomes[0] ? outcomes[0].value.row.job_id : '').toBe(firstId);
    expect(await countNamed('rid-')).toEqual({ jobs: 3, audits: 3 });
  });

  it('run limits count the committed jobs and those accepted earlier in the batch: the ones over are refused alone', async () => {
    const carol = as.carol;
    await store.admit([{ job: newJob(carol, 'lim-0', undefined, 'ops'), limits: LIMITS }]);
    const outcomes = await store.admit(
      Array.from({ length: 5 }, (_, i) => ({ job: newJob(carol, `lim-${i + 1}`, undefined, 'ops'), limits: LIMITS })),
    );
    expect(outcomes.map(code)).toEqual(['OK', 'OK', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED', 'RESOURCE_EXHAUSTED']);
    // A workflow's job (no limits) is let in beside them.
    const [workflowJob] = await store.admit([{ job: newJob(carol, 'lim-wf', undefined, 'ops') }]);
    expect(code(workflowJob)).toBe('OK');
    expect(await countNamed('lim-')).toEqual({ jobs: 4, audits: 4 });
  });

  it('a batch whose statement fails records nothing of it: no job, transition or audit record', async () => {
    const good = newJob(as.alice, 'fail-0');
    // The same job id twice: the second row breaks the primary key, and the one statement that
    // inserts jobs, transitions and audit records fails as a whole.
    const clash = { ...newJob(as.alice, 'fail-1'), jobId: good.jobId };
    await expect(store.admit([{ job: good }, { job: clash }])).rejects.toThrow();
    expect(await countNamed('fail-')).toEqual({ jobs: 0, audits: 0 });
    const transitions = await db.db.selectFrom('job_transitions').select('job_id').where('job_id', '=', good.jobId).execute();
    expect(transitions).toEqual([]);
  });

  it('a batch with request ids whose transaction fails records nothing of it', async () => {
    const good = newJob(as.alice, 'failrid-0', 'failrid-a');
    const clash = { ...newJob(as.alice, 'failrid-1', 'failrid-b'), jobId: good.jobId };
    await expect(store.admit([{ job: good }, { job: clash }])).rejects.toThrow();
    expect(await countNamed('failrid-')).toEqual({ jobs: 0, audits: 0 });
    const transitions = await db.db.selectFrom('job_transitions').select('job_id').where('job_id', '=', good.jobId).execute();
    expect(transitions).toEqual([]);
  });

  it('a batch with run limits whose transaction fails records nothing of it, and the counters (a new account\'s too) stay as they were', async () => {
    const before = await store.activeCounts(as.alice.caller, 'alice-lab');
    const good = newJob(as.alice, 'faillim-0', undefined, 'alice-lab');
    const fresh = newJob(as.alice, 'faillim-1', undefined, 'faillim-new-account');
    const clash = { ...newJob(as.alice, 'faillim-2', undefined, 'alice-lab'), jobId: good.jobId };
    await expect(store.admit([good, fresh, clash].map((job) => ({ job, limits: { ...LIMITS, jobsPerPerson: 1_000, jobsPerProject: 1_000 } })))).rejects.toThrow();
    expect(await countNamed('faillim-')).toEqual({ jobs: 0, audits: 0 });
    expect(await store.activeCounts(as.alice.caller, 'alice-lab')).toEqual(before);
    const made = await sql<{ n: string }>`SELECT count(*) AS n FROM active_jobs_by_account WHERE account = 'faillim-new-account'`.execute(db.db);
    expect(Number(made.rows[0]?.n)).toBe(0);
  });

  it('through JobService: concurrent submissions share commits, and the run limit holds exactly however many arrive at once', async () => {
    let resolves = 0;
    const requester = strictMock<NatsRequester>({
      request: async (subject: string) => {
        if (subject !== subjects.images.resolve) throw new Error(`unexpected ${subject}`);
        resolves += 1;
        return { ...FIXTURE_PINNED, reuseForMs: 60_000 };
      },
    } as Partial<NatsRequester>);
    const bob = as.bob;
    // Five more than bob has unfinished from the tests above.
    const active = await store.activeCounts(bob.caller, 'genomics');
    const limits = { ...LIMITS, jobsPerPerson: active.owner + 5, jobsPerProject: 1_000 };
    const jobs = new JobService(store, requester, { sites: ['dev'], limits }, { dispatcher: noWake, outbox: noWake }, quietLogger);
    const outcomes = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => jobs.submit({ ...fixtureSpec, name: `svc-${i}` }, undefined, bob)));
    const accepted = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.jobId] : []));
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' && o.reason instanceof CairnError ? [o.reason.code] : []));
    expect([accepted.length, refused]).toEqual([5, Array.from({ length: 11 }, () => 'RESOURCE_EXHAUSTED')]);
    // The scheduler asked the images service once for the 16 (one request for concurrent misses, then its cache).
    expect(resolves).toBe(1);
    const xmins = await sql<{ xmin: string }>`SELECT DISTINCT xmin::text AS xmin FROM jobs WHERE job_id = ANY(${accepted}::uuid[])`.execute(db.db);
    expect(xmins.rows.length).toBeLessThan(accepted.length);
    // Each refusal is audited (outcome RESOURCE_EXHAUSTED), each accepted job once (OK).
    const audits = await sql<{ outcome: string; n: string }>`SELECT outcome, count(*) AS n FROM audit_events
      WHERE name = 'bob' AND ((outcome = 'OK' AND ids->>0 = ANY(${accepted})) OR outcome = 'RESOURCE_EXHAUSTED') GROUP BY outcome ORDER BY outcome`.execute(db.db);
    expect(audits.rows.map((r) => [r.outcome, Number(r.n)])).toEqual([['OK', 5], ['RESOURCE_EXHAUSTED', 11]]);
  });

  it('run limits, for any batch of people and accounts on top of any unfinished jobs, refuse exactly what counting one by one refuses', async () => {
    const who = { alice: as.alice, bob: as.bob } as const;
    const entry = fc.record({ person: fc.constantFrom<'alice' | 'bob'>('alice', 'bob'), account: fc.constantFrom('alice-lab', 'genomics'), workflow: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 6 }), fc.array(entry, { minLength: 1, maxLength: 12 }), async (before, batch) => {
        // A fresh start: nobody has unfinished jobs.
        await db.db.updateTable('jobs').set({ state: 'COMPLETED' }).where('state', 'in', ['ACCEPTED', 'PENDING', 'RUNNING']).execute();
        const job = (e: { person: 'alice' | 'bob'; account: string; workflow: boolean }, name: string): Admission => {
          const made = newJob(who[e.person], name, undefined, e.account);
          return e.workflow ? { job: { ...made, spec: { ...made.spec, run: { id: randomUUID(), stepDir: 'steps/a' } } } } : { job: made, limits: LIMITS };
        };
        for (const [i, e] of before.entries()) await store.admit([{ job: job(e, `pl-before-${i}`).job }].map((a) => (e.workflow ? a : { ...a, limits: { ...LIMITS, jobsPerPerson: 100, jobsPerProject: 100 } })));
        // The model: counts of unfinished jobs submitted directly, then the batch one by one.
        const people = new Map<string, number>();
        const accounts = new Map<string, number>();
        for (const e of before.filter((x) => !x.workflow)) {
          people.set(e.person, (people.get(e.person) ?? 0) + 1);
          accounts.set(e.account, (accounts.get(e.account) ?? 0) + 1);
        }
        const expected = batch.map((e) => {
          if (e.workflow) return 'OK';
          const mine = people.get(e.person) ?? 0;
          const shared = accounts.get(e.account) ?? 0;
          if (mine >= LIMITS.jobsPerPerson || shared >= LIMITS.jobsPerProject) return 'RESOURCE_EXHAUSTED';
          people.set(e.person, mine + 1);
          accounts.set(e.account, shared + 1);
          return 'OK';
        });
        const outcomes = await store.admit(batch.map((e, i) => job(e, `pl-batch-${i}`)));
        expect(outcomes.map(code)).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });

  it('request ids with run limits, for any batch of repeats (used before, twice in the batch, by either person) on top of any unfinished jobs: exactly what taking the items one by one gives', async () => {
    const who = { alice: as.alice, bob: as.bob } as const;
    type Person = keyof typeof who;
    const entry = fc.record({ person: fc.constantFrom<Person>('alice', 'bob'), account: fc.constantFrom('alice-lab', 'genomics'), rid: fc.option(fc.constantFrom('r1', 'r2', 'r3', 'r4'), { nil: undefined }) });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 6 }), fc.array(entry, { minLength: 1, maxLength: 12 }), async (before, batch) => {
        round += 1;
        // A fresh start: nobody has unfinished jobs, and this round's request ids are new.
        await db.db.updateTable('jobs').set({ state: 'COMPLETED' }).where('state', 'in', ['ACCEPTED', 'PENDING', 'RUNNING']).execute();
        const rid = (r: string | undefined) => (r === undefined ? undefined : `rr${round}-${r}`);
        const wide = { ...LIMITS, jobsPerPerson: 100, jobsPerProject: 100 };
        for (const [i, e] of before.entries()) await store.admit([{ job: newJob(who[e.person], `rr-before-${i}`, rid(e.rid), e.account), limits: wide }]);
        // The model, one item at a time: a request id its owner used is answered with that job
        // (no place taken); otherwise the limits decide, and an admitted one records its id.
        const used = new Map<string, string>();
        const people = new Map<string, number>();
        const accounts = new Map<string, number>();
        const take = (e: (typeof before)[number], name: string, limits: typeof LIMITS): [string, string] => {
          const key = e.rid === undefined ? undefined : `${e.person} ${e.rid}`;
          const first = key === undefined ? undefined : used.get(key);
          if (first !== undefined) return ['OK', first];
          const mine = people.get(e.person) ?? 0;
          const shared = accounts.get(e.account) ?? 0;
          if (mine >= limits.jobsPerPerson || shared >= limits.jobsPerProject) return ['RESOURCE_EXHAUSTED', ''];
          people.set(e.person, mine + 1);
          accounts.set(e.account, shared + 1);
          if (key !== undefined) used.set(key, name);
          return ['OK', name];
        };
        for (const [i, e] of before.entries()) take(e, `rr-before-${i}`, wide);
        const expected = batch.map((e, i) => take(e, `rr-batch-${i}`, LIMITS));
        const outcomes = await store.admit(batch.map((e, i) => ({ job: newJob(who[e.person], `rr-batch-${i}`, rid(e.rid), e.account), limits: LIMITS })));
        expect(outcomes.map((o) => [code(o), o && 'value' in o ? o.value.row.name : ''])).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });
});
