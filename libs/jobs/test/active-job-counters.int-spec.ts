import { type Database, openDatabase, sql } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import type { Called, JobState } from '@cairn/contracts';
import { as, createTestDatabase, type TestDatabase } from '@cairn/testing';
import { GroupCommit } from '../src/group-commit';
import type { Admission, Admitted } from '../src/job-admission';
import { JobStore, type NewJob } from '../src/job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from '../src/jobs.tables';
import { schedulerMigrations } from '../src/migrations';
import { fixtureJob } from '../src/scheduler-fixtures';

const PEOPLE = [as.alice, as.bob, as.carol];
const ACCOUNTS = ['alice-lab', 'genomics'];
const LIMITS = { jobsPerPerson: 60, jobsPerProject: 100, workflowsPerPerson: 1, workflowsPerProject: 1 };
const FINAL: JobState[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'];

const newJob = (who: Called, account: string): NewJob => fixtureJob(who, { name: 'counted', account });

describe('run-limit counters under concurrent submissions and transitions [real: PostgreSQL 15 server]', () => {
  let database: TestDatabase;
  let opened: Database<SchedulerDb>;
  let store: JobStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    opened = await openDatabase<SchedulerDb>({ url: database.url, embeddedDir: '/nonexistent', schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    store = new JobStore(opened.db);
  });
  afterAll(async () => {
    await opened?.close();
    await database?.drop();
  });

  it('stay exact, without a deadlock, while group commits of several people and accounts race jobs of the same people ending; the limits hold', async () => {
    const batcher = new GroupCommit<Admission, Admitted>((items) => store.admit(items));
    const admitted: string[] = [];
    const refused: string[] = [];
    const submit = async (i: number) => {
      const who = PEOPLE[i % PEOPLE.length] ?? as.alice;
      try {
        const { row } = await batcher.add({ job: newJob(who, ACCOUNTS[i % ACCOUNTS.length] ?? 'ops'), limits: LIMITS });
        admitted.push(row.job_id);
      } catch (error) {
        refused.push((error as { code?: string }).code ?? String(error));
      }
    };
    // Jobs end while others are submitted: each transition is its own transaction (as the
    // scheduler's event handling runs them), eight at a time, on jobs of every owner and account.
    let ended = 0;
    let submitting = true;
    const endSome = async () => {
      while (submitting || ended < admitted.length) {
        const live = admitted.slice(ended, ended + 8);
        ended += live.length;
        await Promise.all(live.map((id, k) => store.transition(id, { state: k % 3 === 0 ? 'RUNNING' : (FINAL[k % FINAL.length] ?? 'COMPLETED'), at: new Date() })));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    const submitWaves = async () => {
      for (let wave = 0; wave < 30; wave += 1) {
        await Promise.all(Array.from({ length: 20 }, (_, i) => submit(wave * 20 + i)));
        // Time for some of them to end before the next wave.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      submitting = false;
    };
    await Promise.all([submitWaves(), endSome()]);

    // Admissions counted what the endings freed: more jobs got in than the people's limits
    // together allow at once, and some were still refused.
    expect(admitted.length).toBeGreaterThan(PEOPLE.length * LIMITS.jobsPerPerson);
    expect(refused.length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set(['RESOURCE_EXHAUSTED']));
    const counters = await sql<{ key: string; n: number }>`
      SELECT 'owner ' || owner_subject AS key, n FROM active_jobs_by_owner WHERE n > 0
      UNION ALL SELECT 'account ' || account, n FROM active_jobs_by_account WHERE n > 0 ORDER BY key`.execute(opened.db);
    const recount = await sql<{ key: string; n: string }>`
      SELECT 'owner ' || owner_subject AS key, count(*) AS n FROM jobs WHERE state IN ('ACCEPTED', 'PENDING', 'RUNNING') AND workflow_run IS NULL GROUP BY owner_subject
      UNION ALL SELECT 'account ' || account, count(*) FROM jobs WHERE state IN ('ACCEPTED', 'PENDING', 'RUNNING') AND workflow_run IS NULL GROUP BY account ORDER BY key`.execute(opened.db);
    expect(counters.rows.map((r) => [r.key, Number(r.n)])).toEqual(recount.rows.map((r) => [r.key, Number(r.n)]));
    // The limits held: what is unfinished now is within them.
    for (const row of recount.rows) expect(Number(row.n)).toBeLessThanOrEqual(row.key.startsWith('owner') ? LIMITS.jobsPerPerson : LIMITS.jobsPerProject);
  }, 120_000);

  it('hold exactly when two scheduler processes (two pools, two group commits) admit jobs of the same person and project at once', async () => {
    const second = await openDatabase<SchedulerDb>({ url: database.url, embeddedDir: '/nonexistent', schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    try {
      const limits = { jobsPerPerson: 12, jobsPerProject: 20, workflowsPerPerson: 1, workflowsPerProject: 1 };
      const commits = [store, new JobStore(second.db)].map((s) => new GroupCommit<Admission, Admitted>((items) => s.admit(items), 4));
      // Someone with no counter row yet (the first job of a person or project takes the same path).
      const who = { ...as.carol, caller: { ...as.carol.caller, subject: 'carol-two-processes' } };
      const outcomes = await Promise.allSettled(
        Array.from({ length: 80 }, (_, i) => {
          const commit = commits[i % 2] ?? commits[0];
          // Half carol's (her limit 12), half dave's in the same project (the project's limit 20).
          const owner = i % 4 < 2 ? who : { ...as.bob, caller: { ...as.bob.caller, subject: 'dave-two-processes' } };
          return commit?.add({ job: newJob(owner, 'two-processes-lab'), limits });
        }),
      );
      const admitted = outcomes.filter((o) => o.status === 'fulfilled').length;
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code?: string }).code] : []));
      expect(admitted).toBe(limits.jobsPerProject);
      expect(new Set(refused)).toEqual(new Set(['RESOURCE_EXHAUSTED']));
      const unfinished = await sql<{ owner: string; n: string }>`
        SELECT owner_subject AS owner, count(*) AS n FROM jobs WHERE account = 'two-processes-lab' AND state IN ('ACCEPTED', 'PENDING', 'RUNNING') GROUP BY owner_subject ORDER BY owner_subject`.execute(opened.db);
      expect(unfinished.rows.map((r) => Number(r.n)).reduce((a, b) => a + b, 0)).toBe(limits.jobsPerProject);
      for (const row of unfinished.rows) expect(Number(row.n)).toBeLessThanOrEqual(limits.jobsPerPerson);
    } finally {
      await second.close();
    }
  }, 60_000);

  it('give one job per request id when two scheduler processes take the same request ids at once (each tries first without looking them up)', async () => {
    const second = await openDatabase<SchedulerDb>({ url: database.url, embeddedDir: '/nonexistent', schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    try {
      const commits = [store, new JobStore(second.db)].map((s) => new GroupCommit<Admission, Admitted>((items) => s.admit(items), 8));
      const who = { ...as.alice, caller: { ...as.alice.caller, subject: 'alice-two-processes' } };
      // 20 request ids, each sent four times: twice to each process, all at once.
      const ids = Array.from({ length: 20 }, (_, i) => `two-processes-${i}`);
      const answers = await Promise.all(
        ids.flatMap((id) => [0, 1, 2, 3].map((k) => commits[k % 2]?.add({ job: fixtureJob(who, { name: id, account: 'rid-lab', requestId: id }), limits: LIMITS }))),
      );
      const jobOf = new Map<string, Set<string>>();
      for (const answer of answers) {
        if (!answer) throw new Error('no answer');
        jobOf.set(answer.row.name, (jobOf.get(answer.row.name) ?? new Set()).add(answer.row.job_id));
      }
      expect([...jobOf.values()].map((jobs) => jobs.size)).toEqual(ids.map(() => 1));
      const rows = await sql<{ n: string }>`SELECT count(*) AS n FROM jobs WHERE owner_subject = 'alice-two-processes'`.execute(opened.db);
      expect(Number(rows.rows[0]?.n)).toBe(ids.length);
      expect(await store.activeCounts(who.caller, 'rid-lab')).toEqual({ owner: ids.length, account: ids.length });
    } finally {
      await second.close();
    }
  }, 60_000);
});
