import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { type Database, openDatabase, sql } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import type { Called } from '@cairn/contracts';
import { as, createTestDatabase, type TestDatabase } from '@cairn/testing';
import { GroupCommit } from '../src/group-commit';
import type { Admission, Admitted } from '../src/job-admission';
import { JobStore, type NewJob } from '../src/job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from '../src/jobs.tables';
import { schedulerMigrations } from '../src/migrations';
import { fixtureJob } from '../src/scheduler-fixtures';

const newJob = (who: Called, name: string): NewJob => fixtureJob(who, { name, requestId: randomUUID() });

describe('group commit of submissions [real: PostgreSQL 15 server]', () => {
  let database: TestDatabase;
  let opened: Database<SchedulerDb>;
  let store: JobStore;
  /** Other sessions, as any other reader: they see only what was committed. */
  let observer: Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    opened = await openDatabase<SchedulerDb>({ url: database.url, embeddedDir: '/nonexistent', schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    store = new JobStore(opened.db);
    observer = new Pool({ connectionString: database.url, max: 4, options: `-c search_path=${SCHEDULER_SCHEMA}` });
  });
  afterAll(async () => {
    await observer?.end();
    await opened?.close();
    await database?.drop();
  });

  /** What another session sees of the jobs named with `prefix`: jobs, their transitions, their audit records. */
  const committed = async (prefix: string) => {
    const { rows } = await observer.query<{ jobs: string; transitions: string; audits: string }>(
      `SELECT (SELECT count(*) FROM jobs WHERE name LIKE $1) AS jobs,
              (SELECT count(*) FROM job_transitions t JOIN jobs j USING (job_id) WHERE j.name LIKE $1) AS transitions,
              (SELECT count(*) FROM audit_events a WHERE a.ids->>0 IN (SELECT job_id::text FROM jobs WHERE name LIKE $1)) AS audits`,
      [`${prefix}%`],
    );
    const row = rows[0];
    return { jobs: Number(row?.jobs), transitions: Number(row?.transitions), audits: Number(row?.audits) };
  };

  /** A deferred trigger: runs at COMMIT, for any row of a job named `poison`, doing `action`. */
  const atCommit = async (name: string, action: string) => {
    await sql
      .raw(
        `CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.name LIKE '${name}%' THEN ${action}; END IF; RETURN NULL; END $$;
         CREATE CONSTRAINT TRIGGER ${name} AFTER INSERT ON jobs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${name}()`,
      )
      .execute(opened.db);
  };

  it('concurrent submissions go in one transaction, and each is acknowledged only once another session sees it committed', async () => {
    const events: string[] = [];
    const batcher = new GroupCommit<Admission, Admitted>(async (items) => {
      const outcomes = await store.admit(items);
      events.push(`committed ${items.length}`);
      return outcomes;
    });
    const jobs = Array.from({ length: 32 }, (_, i) => newJob(i % 2 ? as.alice : as.bob, `together-${i}`));
    const seenAtAck = await Promise.all(
      jobs.map(async (job) => {
        const { row } = await batcher.add({ job });
        events.push('acknowledged');
        const { rows } = await observer.query('SELECT job_id FROM jobs WHERE job_id = $1', [row.job_id]);
        return rows.length;
      }),
    );
    // One commit of all 32, returned before the first acknowledgement; each job visible to another session.
    expect(events).toEqual(['committed 32', ...jobs.map(() => 'acknowledged')]);
    expect(seenAtAck).toEqual(jobs.map(() => 1));
    const xmins = await observer.query('SELECT DISTINCT xmin::text FROM jobs WHERE name LIKE $1', ['together-%']);
    expect(xmins.rows).toHaveLength(1);
    expect(await committed('together-')).toEqual({ jobs: 32, transitions: 32, audits: 32 });
  });

  it('a commit that fails acknowledges none of its batch and records nothing of it; the next batch commits', async () => {
    await atCommit('poison', "RAISE EXCEPTION 'refused at commit'");
    const batcher = new GroupCommit<Admission, Admitted>((items) => store.admit(items));
    const batch = [...Array.from({ length: 7 }, (_, i) => newJob(as.alice, `doomed-${i}`)), newJob(as.alice, 'poison-0')];
    const outcomes = await Promise.allSettled(batch.map((job) => batcher.add({ job })));
    expect(outcomes.map((o) => o.status)).toEqual(batch.map(() => 'rejected'));
    expect(await committed('doomed-')).toEqual({ jobs: 0, transitions: 0, audits: 0 });
    expect(await committed('poison-')).toEqual({ jobs: 0, transitions: 0, audits: 0 });
    await expect(batcher.add({ job: newJob(as.alice, 'after-0') })).resolves.toMatchObject({ inserted: true });
    expect(await committed('after-')).toEqual({ jobs: 1, transitions: 1, audits: 1 });
  });

  it('a database session that dies before its commit (terminated) acknowledges none of the batch and records nothing', async () => {
    await atCommit('crash', 'PERFORM pg_terminate_backend(pg_backend_pid())');
    const batcher = new GroupCommit<Admission, Admitted>((items) => store.admit(items));
    const batch = [...Array.from({ length: 5 }, (_, i) => newJob(as.bob, `lost-${i}`)), newJob(as.bob, 'crash-0')];
    const outcomes = await Promise.allSettled(batch.map((job) => batcher.add({ job })));
    expect(outcomes.map((o) => o.status)).toEqual(batch.map(() => 'rejected'));
    expect(await committed('lost-')).toEqual({ jobs: 0, transitions: 0, audits: 0 });
    expect(await committed('crash-')).toEqual({ jobs: 0, transitions: 0, audits: 0 });
    // The pool replaces the dead session: the next batch commits.
    await expect(batcher.add({ job: newJob(as.bob, 'survivor-0') })).resolves.toMatchObject({ inserted: true });
    expect(await committed('survivor-')).toEqual({ jobs: 1, transitions: 1, audits: 1 });
  });
});
