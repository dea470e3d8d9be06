import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { NatsRequester } from '@cairn/adapters/nats';
import { type Kysely, openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { MAX_RUNS_INFO, ownerOf, type RunInfo, runsInfoQuery, runsInfoReply, subjects } from '@cairn/contracts';
import { as, freshEmbeddedDir, strictMock } from '@cairn/testing';
import { FIXTURE_PINNED, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';
import { JobService } from './job.service';
import { JobStore } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';
import { RunsInfo, type RunsInfoSource } from './runs-info';

describe('scheduler.runs.info: which runs are live and whose [real: PGlite]', () => {
  let db: Kysely<SchedulerDb>;
  let store: JobStore;
  let jobs: JobService;
  let close: () => Promise<void>;
  const requester = strictMock<NatsRequester>({ request: async (subject: string) => (subject === subjects.images.resolve ? FIXTURE_PINNED : {}) } as Partial<NatsRequester>);
  const workflowRun: RunInfo = { runId: randomUUID(), kind: 'workflow', live: true, owner: ownerOf(as.bob.caller), account: 'genomics' };
  const queries: (readonly string[])[] = [];
  const workflows: RunsInfoSource = {
    runsInfo: async (ids) => {
      queries.push(ids);
      return ids.includes(workflowRun.runId) ? [workflowRun] : [];
    },
  };

  beforeAll(async () => {
    const database = await openDatabase<SchedulerDb>({ embeddedDir: await freshEmbeddedDir('runs-info-'), schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    db = database.db;
    store = new JobStore(db);
    jobs = new JobService(store, requester, { sites: ['dev'] }, { dispatcher: noWake, outbox: noWake }, quietLogger);
    close = database.close;
  });
  afterAll(() => close());
  beforeEach(() => {
    queries.length = 0;
  });

  it('answers each known id with its kind, liveness, owner and account, in the order asked, leaving unknown ids out', async () => {
    const live = await jobs.submit(fixtureSpec, undefined, as.alice);
    const ended = await jobs.submit({ ...fixtureSpec, account: 'genomics' }, undefined, as.alice);
    for (const state of ['PENDING', 'RUNNING', 'COMPLETED'] as const) await store.transition(ended.jobId, { state, exitCode: state === 'COMPLETED' ? 0 : null, slurmJobId: '7', reason: '', at: new Date() });
    const unknown = randomUUID();
    const reply = await new RunsInfo([store, workflows]).of([unknown, ended.jobId, workflowRun.runId, live.jobId, live.jobId]);
    expect(runsInfoReply.parse(reply)).toEqual({
      runs: [
        { runId: ended.jobId, kind: 'job', live: false, owner: ownerOf(as.alice.caller), account: 'genomics' },
        workflowRun,
        { runId: live.jobId, kind: 'job', live: true, owner: ownerOf(as.alice.caller), account: 'alice-lab' },
      ],
    });
    // Each table is asked once, with every id once.
    expect(queries).toEqual([[unknown, ended.jobId, workflowRun.runId, live.jobId]]);
  });

  it('answers nothing for no ids, without a query', async () => {
    expect(await new RunsInfo([store, workflows]).of([])).toEqual({ runs: [] });
    expect(queries).toEqual([]);
  });

  it('answers MAX_RUNS_INFO ids (the query\'s limit) in one query per table; one more is refused by the query', async () => {
    const known: string[] = [];
    for (let i = 0; i < 3; i += 1) known.push((await jobs.submit({ ...fixtureSpec, name: `many-${i}` }, undefined, as.bob)).jobId);
    const ids = [...known, workflowRun.runId, ...Array.from({ length: MAX_RUNS_INFO - 4 }, () => randomUUID())];
    expect(runsInfoQuery.parse({ runIds: ids }).runIds).toHaveLength(MAX_RUNS_INFO);
    const reply = runsInfoReply.parse(await new RunsInfo([store, workflows]).of(ids));
    expect(reply.runs.map((r) => r.runId)).toEqual([...known, workflowRun.runId]);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toHaveLength(MAX_RUNS_INFO);
    expect(runsInfoQuery.safeParse({ runIds: [...ids, randomUUID()] }).success).toBe(false);
  });

  it('a legacy job without an account is answered without one', async () => {
    const job = await jobs.submit(fixtureSpec, undefined, as.carol);
    await db.updateTable('jobs').set({ account: '' }).where('job_id', '=', job.jobId).execute();
    expect((await new RunsInfo([store]).of([job.jobId])).runs).toEqual([{ runId: job.jobId, kind: 'job', live: true, owner: ownerOf(as.carol.caller) }]);
  });

  it('whatever ids are asked (repeats, unknown, any order), answers each known one once, in the order first asked, asking each table once', async () => {
    const known: string[] = Array.from({ length: 8 }, () => randomUUID());
    const rows = new Map(known.map((id, i): [string, RunInfo] => [id, { runId: id, kind: i % 2 ? 'job' : 'workflow', live: i % 3 === 0, owner: ownerOf(as.alice.caller) }]));
    const tables = [known.slice(0, 4), known.slice(4)].map((ids) => {
      const asked: (readonly string[])[] = [];
      const source: RunsInfoSource = { runsInfo: async (wanted) => (asked.push(wanted), wanted.filter((id) => ids.includes(id)).flatMap((id) => rows.get(id) ?? [])) };
      return { asked, source };
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.constantFrom(...known), fc.uuid()), { maxLength: 60 }), async (ids) => {
        for (const table of tables) table.asked.length = 0;
        const { runs } = await new RunsInfo(tables.map((t) => t.source)).of(ids);
        const firstSeen = [...new Set(ids)];
        expect(runs.map((r) => r.runId)).toEqual(firstSeen.filter((id) => rows.has(id)));
        for (const table of tables) expect(table.asked).toEqual(firstSeen.length === 0 ? [] : [firstSeen]);
      }),
      { numRuns: 200 },
    );
  });
});
