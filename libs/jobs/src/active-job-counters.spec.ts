import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { openDatabase, sql } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { type Called, JOB_STATES, type JobState, ownerOf } from '@cairn/contracts';
import { as, freshEmbeddedDir } from '@cairn/testing';
import type { Admission } from './job-admission';
import { JobStore, type NewJob } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';
import { fixtureJob } from './scheduler-fixtures';

type Db = Awaited<ReturnType<typeof openDatabase<SchedulerDb>>>['db'];
const PEOPLE = { alice: as.alice, bob: as.bob, carol: as.carol } as const;
type Person = keyof typeof PEOPLE;
const ACCOUNTS = ['alice-lab', 'genomics', 'ops'] as const;
const LIMITS = { jobsPerPerson: 1_000, jobsPerProject: 1_000, workflowsPerPerson: 1, workflowsPerProject: 1 };

const newJob = (who: Called, account: string, workflow: boolean, requestId?: string): NewJob => fixtureJob(who, { name: 'counted', account, run: workflow, ...(requestId ? { requestId } : {}) });

/** The counters as the triggers keep them, without zero rows: `owner issuer|subject` or `account` → n. */
async function counters(db: Db): Promise<Record<string, number>> {
  const rows = await sql<{ key: string; n: number }>`
    SELECT 'owner ' || owner_issuer || '|' || owner_subject AS key, n FROM active_jobs_by_owner WHERE n > 0
    UNION ALL SELECT 'account ' || account, n FROM active_jobs_by_account WHERE n > 0`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.key, Number(r.n)]));
}

/** The same counts, counted from the jobs themselves (what migration 0008's partial indexes counted). */
async function recount(db: Db): Promise<Record<string, number>> {
  const rows = await sql<{ key: string; n: string }>`
    SELECT 'owner ' || owner_issuer || '|' || owner_subject AS key, count(*) AS n FROM jobs
      WHERE state IN ('ACCEPTED', 'PENDING', 'RUNNING') AND workflow_run IS NULL GROUP BY owner_issuer, owner_subject
    UNION ALL SELECT 'account ' || account, count(*) FROM jobs
      WHERE state IN ('ACCEPTED', 'PENDING', 'RUNNING') AND workflow_run IS NULL GROUP BY account`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.key, Number(r.n)]));
}

const person = fc.constantFrom<Person>('alice', 'bob', 'carol');
const account = fc.constantFrom(...ACCOUNTS);
const state = fc.constantFrom<JobState>(...JOB_STATES);
/** What may happen to the jobs table, by any of the scheduler's paths or by hand. */
const operation = fc.oneof(
  // A group commit: request ids from a small set, so some repeat (earlier, or in the batch).
  fc.record({
    kind: fc.constant('admit' as const),
    batch: fc.array(fc.record({ person, account, workflow: fc.boolean(), requestId: fc.option(fc.constantFrom('r1', 'r2', 'r3'), { nil: undefined }), limited: fc.boolean() }), {
      minLength: 1,
      maxLength: 8,
    }),
  }),
  // The state machine's transition of one job (refused when it would go backwards).
  fc.record({ kind: fc.constant('transition' as const), pick: fc.nat(), to: state }),
  // Any UPDATE of several rows' state at once, even backwards (a repair by hand).
  fc.record({ kind: fc.constant('update' as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), to: state }),
  // A job handed to another owner, account, or into or out of a workflow run.
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), person, account, workflow: fc.boolean() }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
);

describe('run-limit counters kept by triggers on jobs (migration 0010) [real: PGlite]', () => {
  let db: Awaited<ReturnType<typeof openDatabase<SchedulerDb>>>;
  let store: JobStore;

  beforeAll(async () => {
    db = await openDatabase<SchedulerDb>({ embeddedDir: await freshEmbeddedDir('counters-'), schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    store = new JobStore(db.db);
  });
  afterAll(() => db.close());
  /** No jobs (their transitions first: they reference them). */
  const clear = async () => {
    await sql`DELETE FROM job_transitions`.execute(db.db);
    await sql`DELETE FROM jobs`.execute(db.db);
  };

  it('equal the count of unfinished jobs submitted directly, per owner and per account, after any sequence of inserts, transitions, updates, moves and deletes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 12 }), async (operations) => {
        await clear();
        expect(await counters(db.db)).toEqual({});
        for (const op of operations) {
          const ids = (await db.db.selectFrom('jobs').select('job_id').orderBy('job_id').execute()).map((r) => r.job_id);
          const pick = (n: number) => ids[n % Math.max(ids.length, 1)];
          if (op.kind === 'admit') {
            const items: Admission[] = op.batch.map((e) => {
              const job = newJob(PEOPLE[e.person], e.account, e.workflow, e.requestId);
              return e.limited ? { job, limits: LIMITS } : { job };
            });
            await store.admit(items);
          } else if (op.kind === 'transition') {
            const id = pick(op.pick);
            if (id) await store.transition(id, { state: op.to, at: new Date() });
          } else if (op.kind === 'update') {
            const chosen = [...new Set(op.picks.flatMap((p) => pick(p) ?? []))];
            if (chosen.length > 0) await db.db.updateTable('jobs').set({ state: op.to }).where('job_id', 'in', chosen).execute();
          } else if (op.kind === 'move') {
            const id = pick(op.pick);
            const owner = ownerOf(PEOPLE[op.person].caller);
            if (id) {
              await db.db
                .updateTable('jobs')
                .set({ owner_issuer: owner.issuer, owner_subject: owner.subject, account: op.account, workflow_run: op.workflow ? randomUUID() : null, request_id: null })
                .where('job_id', '=', id)
                .execute();
            }
          } else {
            const id = pick(op.pick);
            if (id) {
              await sql`DELETE FROM job_transitions WHERE job_id = ${id}`.execute(db.db);
              await sql`DELETE FROM jobs WHERE job_id = ${id}`.execute(db.db);
            }
          }
          expect(await counters(db.db)).toEqual(await recount(db.db));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('are what JobStore.activeCounts answers, and a statement that fails leaves them as they were', async () => {
    await clear();
    await store.admit([{ job: newJob(as.alice, 'ops', false) }, { job: newJob(as.alice, 'ops', false) }, { job: newJob(as.bob, 'ops', false) }]);
    expect(await store.activeCounts(as.alice.caller, 'ops')).toEqual({ owner: 2, account: 3 });
    expect(await store.activeCounts(as.carol.caller, 'nobody')).toEqual({ owner: 0, account: 0 });
    const good = newJob(as.alice, 'ops', false);
    await expect(store.admit([{ job: good }, { job: { ...newJob(as.alice, 'ops', false), jobId: good.jobId } }])).rejects.toThrow();
    expect(await store.activeCounts(as.alice.caller, 'ops')).toEqual({ owner: 2, account: 3 });
  });

  it('refuse a change that would take a counter below zero, so a counter out of step never lets a limit drift unseen', async () => {
    await clear();
    const [admitted] = await store.admit([{ job: newJob(as.carol, 'ops', false) }]);
    const jobId = admitted && 'value' in admitted ? admitted.value.row.job_id : '';
    await sql`UPDATE active_jobs_by_account SET n = 0 WHERE account = 'ops'`.execute(db.db);
    await expect(store.transition(jobId, { state: 'COMPLETED', at: new Date() })).rejects.toThrow(/active_jobs_by_account/);
    expect((await store.byId(jobId))?.state).toBe('ACCEPTED');
  });
});

describe('migration 0010 on jobs recorded before it [real: PGlite]', () => {
  it('starts the counters from the jobs as they are, and the triggers keep them from there', async () => {
    const dir = await freshEmbeddedDir('counters-migrate-');
    const before = Object.fromEntries(Object.entries(schedulerMigrations.migrations).filter(([name]) => name < '0010'));
    const old = await openDatabase<SchedulerDb>({ embeddedDir: dir, schema: SCHEDULER_SCHEMA, migrations: [{ table: schedulerMigrations.table, migrations: before }, auditMigrations] });
    const oldStore = new JobStore(old.db);
    const jobs = [
      newJob(as.alice, 'alice-lab', false),
      newJob(as.alice, 'alice-lab', false),
      newJob(as.alice, 'genomics', false),
      newJob(as.bob, 'genomics', false),
      newJob(as.bob, 'genomics', true),
      newJob(as.carol, 'ops', false),
    ];
    await oldStore.admit(jobs.map((job) => ({ job })));
    await oldStore.transition(jobs[1]?.jobId ?? '', { state: 'COMPLETED', at: new Date() });
    await oldStore.transition(jobs[5]?.jobId ?? '', { state: 'RUNNING', at: new Date() });
    await old.close();

    const migrated = await openDatabase<SchedulerDb>({ embeddedDir: dir, schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    try {
      const alice = ownerOf(as.alice.caller);
      const bob = ownerOf(as.bob.caller);
      const carol = ownerOf(as.carol.caller);
      const expected = {
        [`owner ${alice.issuer}|${alice.subject}`]: 2,
        [`owner ${bob.issuer}|${bob.subject}`]: 1,
        [`owner ${carol.issuer}|${carol.subject}`]: 1,
        'account alice-lab': 1,
        'account genomics': 2,
        'account ops': 1,
      };
      expect(await counters(migrated.db)).toEqual(expected);
      const store = new JobStore(migrated.db);
      await store.transition(jobs[0]?.jobId ?? '', { state: 'CANCELLED', at: new Date() });
      await store.admit([{ job: newJob(as.bob, 'ops', false), limits: LIMITS }]);
      expect(await counters(migrated.db)).toEqual(await recount(migrated.db));
      expect(await store.activeCounts(as.bob.caller, 'ops')).toEqual({ owner: 2, account: 2 });
    } finally {
      await migrated.close();
    }
  }, 60_000);
});
