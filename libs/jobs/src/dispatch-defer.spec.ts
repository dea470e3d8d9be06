import fc from 'fast-check';
import { type NatsRequester, NoRespondersError } from '@cairn/adapters/nats';
import { openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { subjects } from '@cairn/contracts';
import { as, freshEmbeddedDir, strictMock } from '@cairn/testing';
import { nextTryAt } from './dispatch-retry';
import { Dispatcher } from './dispatcher';
import { FIXTURE_PINNED, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';
import { JobService } from './job.service';
import { type Deferral, deferralGroups, JobStore } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';

describe('deferralGroups', () => {
  const deferral = fc.record({
    jobId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
    tries: fc.integer({ min: 1, max: 4 }),
    nextAt: fc.integer({ min: 0, max: 3 }).map((s) => new Date(s * 1000)),
  });

  it('leaves every job as one update per deferral, in order, would (any list, repeats included)', () => {
    fc.assert(
      fc.property(fc.array(deferral, { maxLength: 40 }), (deferrals: Deferral[]) => {
        const oneByOne = new Map<string, { tries: number; nextAt: number }>();
        for (const d of deferrals) oneByOne.set(d.jobId, { tries: d.tries, nextAt: d.nextAt.getTime() });
        const grouped = new Map<string, { tries: number; nextAt: number }>();
        const groups = deferralGroups(deferrals);
        for (const g of groups) for (const jobId of g.jobIds) grouped.set(jobId, { tries: g.tries, nextAt: g.nextAt.getTime() });
        expect(grouped).toEqual(oneByOne);
        // Each job in one group only, and one group per distinct (tries, next try).
        expect(groups.flatMap((g) => g.jobIds).length).toBe(oneByOne.size);
        expect(new Set(groups.map((g) => `${g.tries}:${g.nextAt.getTime()}`)).size).toBe(groups.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('deferring the rest of a site that did not answer [real: PGlite]', () => {
  let store: JobStore;
  let close: () => Promise<void>;
  const statements: string[] = [];
  let requests = 0;
  const requester = strictMock<NatsRequester>({
    request: async (subject: string) => {
      if (subject === subjects.images.resolve) return FIXTURE_PINNED;
      requests += 1;
      throw new NoRespondersError(subject);
    },
  } as Partial<NatsRequester>);

  beforeAll(async () => {
    const database = await openDatabase<SchedulerDb>({ embeddedDir: await freshEmbeddedDir('defer-'), schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    store = new JobStore(database.db);
    close = database.close;
  });
  afterAll(() => close());

  it('asks the site once, then gives every other job its own count and backoff in one statement per (count, next try)', async () => {
    const service = new JobService(store, requester, { sites: ['dev'] }, { dispatcher: noWake, outbox: noWake }, quietLogger);
    const jobs = [];
    for (let i = 0; i < 12; i += 1) jobs.push(await service.submit({ ...fixtureSpec, name: `defer-${i}` }, undefined, as.alice));
    // Some have failed before (their own counts): tries 2 and 3, due now.
    const past = new Date(0);
    for (const job of jobs.slice(4, 8)) await store.deferDispatch(job.jobId, 2, past);
    for (const job of jobs.slice(8)) await store.deferDispatch(job.jobId, 3, past);
    const before = new Map((await store.byIds(jobs.map((j) => j.jobId))).map((row) => [row.job_id, row.dispatch_tries]));
    const now = new Date(Date.parse('2026-12-02T10:00:00Z'));
    const dispatcher = new Dispatcher(store, requester, quietLogger, () => undefined, () => now);
    const deferMany = store.deferMany.bind(store);
    store.deferMany = async (kind, deferrals) => {
      statements.push(...deferralGroups(deferrals).map((g) => `${kind}:${g.tries}`));
      return deferMany(kind, deferrals);
    };
    requests = 0;
    await dispatcher.tick();
    expect(requests).toBe(1);
    expect(statements.sort()).toEqual(['dispatch:1', 'dispatch:3', 'dispatch:4']);
    for (const row of await store.byIds(jobs.map((j) => j.jobId))) {
      const tries = (before.get(row.job_id) ?? 0) + 1;
      expect({ tries: row.dispatch_tries, next: row.dispatch_next_at }).toEqual({ tries, next: nextTryAt(now, tries) });
      expect(row).toMatchObject({ state: 'ACCEPTED', dispatched_at: null, dispatch_sent_at: null });
    }
  });

  it('defers the rest of the pending cancels the same way, each with its own count', async () => {
    const service = new JobService(store, requester, { sites: ['dev'] }, { dispatcher: noWake, outbox: noWake }, quietLogger);
    const jobs = [];
    for (let i = 0; i < 5; i += 1) {
      const job = await service.submit({ ...fixtureSpec, name: `cancel-${i}` }, undefined, as.alice);
      await service.cancel(job.jobId, as.alice);
      jobs.push(job);
    }
    const past = new Date(0);
    await store.deferCancel(jobs[4]?.jobId ?? '', 2, past);
    const now = new Date(Date.parse('2026-12-02T11:00:00Z'));
    await new Dispatcher(store, requester, quietLogger, () => undefined, () => now).tick();
    const rows = await store.byIds(jobs.map((j) => j.jobId));
    for (const row of rows) {
      const tries = row.job_id === jobs[4]?.jobId ? 3 : 1;
      expect({ tries: row.cancel_tries, next: row.cancel_next_at, delivered: row.cancel_delivered_at }).toEqual({ tries, next: nextTryAt(now, tries), delivered: null });
    }
  });
});
