import fc from 'fast-check';
import type { NatsRequester } from '@cairn/adapters/nats';
import { openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { CairnError, type ErrorCode, type ResolvedImage, subjects } from '@cairn/contracts';
import { as, freshEmbeddedDir, strictMock } from '@cairn/testing';
import { FIXTURE_PINNED, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';
import { JobService } from './job.service';
import { JobStore } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';

describe('a repeated request id gets its first job; a new one costs no read before its group commit [real: PGlite]', () => {
  let store: JobStore;
  let close: () => Promise<void>;
  let lookups = 0;
  let resolves = 0;
  let resolution: () => ResolvedImage | CairnError = () => FIXTURE_PINNED;
  const requester = strictMock<NatsRequester>({
    request: async (subject: string) => {
      if (subject !== subjects.images.resolve) throw new Error(`unexpected request on ${subject}`);
      resolves += 1;
      const answer = resolution();
      if (answer instanceof CairnError) throw answer;
      return answer;
    },
  } as Partial<NatsRequester>);
  const service = (sites: string[] = ['dev']) => new JobService(store, requester, { sites }, { dispatcher: noWake, outbox: noWake }, quietLogger);
  let run = 0;

  beforeAll(async () => {
    const database = await openDatabase<SchedulerDb>({ embeddedDir: await freshEmbeddedDir('request-ids-'), schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    store = new JobStore(database.db);
    const byRequestId = store.byRequestId.bind(store);
    store.byRequestId = (requestId, owner) => {
      lookups += 1;
      return byRequestId(requestId, owner);
    };
    close = database.close;
  });
  afterAll(() => close());
  beforeEach(() => {
    lookups = 0;
    resolves = 0;
    resolution = () => FIXTURE_PINNED;
    run += 1;
  });

  it('with the image\'s answer at hand, the commit finds the first job: no read of the request id before it', async () => {
    resolution = () => ({ ...FIXTURE_PINNED, reuseForMs: 3_600_000 });
    const jobs = service();
    const first = await jobs.submit(fixtureSpec, `fresh-${run}`, as.alice);
    expect(lookups).toBe(1); // nothing at hand yet: looked up first, as always
    const again = await jobs.submit({ ...fixtureSpec, name: 'other' }, `fresh-${run}`, as.alice);
    const next = await jobs.submit(fixtureSpec, `fresh-2-${run}`, as.alice);
    expect(again).toEqual(first);
    expect(next.jobId).not.toBe(first.jobId);
    expect(lookups).toBe(1);
    expect(resolves).toBe(1);
  });

  it('with nothing at hand (a tag TTL of 0), a repeat is looked up first and asks the images service nothing', async () => {
    const first = await service().submit(fixtureSpec, `ttl0-${run}`, as.alice);
    resolves = 0;
    expect(await service().submit(fixtureSpec, `ttl0-${run}`, as.alice)).toEqual(first);
    expect(resolves).toBe(0);
  });

  it('a repeat whose answer at hand expired just before the images service refused still gets its first job', async () => {
    const first = await service().submit(fixtureSpec, `expired-${run}`, as.alice);
    resolution = () => new CairnError('UNAVAILABLE', 'registry down');
    const jobs = service();
    // Said to be at hand, but asking is what happens (it expired in between).
    jobs['resolved'].holds = () => true;
    lookups = 0;
    expect(await jobs.submit(fixtureSpec, `expired-${run}`, as.alice)).toEqual(first);
    expect(lookups).toBe(1);
    await expect(jobs.submit(fixtureSpec, `expired-new-${run}`, as.alice)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it.each<ErrorCode>(['INVALID_ARGUMENT', 'PERMISSION_DENIED', 'NOT_FOUND', 'UNAVAILABLE'])(
    'a repeat gets its first job although its image is now refused (%s); a new request id gets the refusal',
    async (code) => {
      const first = await service().submit(fixtureSpec, `image-${code}-${run}`, as.alice);
      resolution = () => new CairnError(code, 'refused now');
      // A fresh service: nothing of the first answer is remembered.
      expect(await service().submit(fixtureSpec, `image-${code}-${run}`, as.alice)).toEqual(first);
      await expect(service().submit(fixtureSpec, `image-${code}-new-${run}`, as.alice)).rejects.toMatchObject({ code, message: 'spec.image: refused now' });
      await expect(service().submit(fixtureSpec, undefined, as.alice)).rejects.toMatchObject({ code });
    },
  );

  it('a repeat gets its first job although its site is no longer served; a new request id is refused', async () => {
    const first = await service(['dev', 'hpc1']).submit({ ...fixtureSpec, site: 'hpc1' }, `site-${run}`, as.alice);
    expect(await service(['dev']).submit({ ...fixtureSpec, site: 'hpc1' }, `site-${run}`, as.alice)).toEqual(first);
    await expect(service(['dev']).submit({ ...fixtureSpec, site: 'hpc1' }, `site-new-${run}`, as.alice)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('any mix of request ids submitted at once, by two people: one job per (person, request id), every repeat answered with it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ who: fc.constantFrom('alice', 'bob'), id: fc.option(fc.constantFrom('r1', 'r2', 'r3'), { nil: undefined }) }), { minLength: 1, maxLength: 24 }),
        async (calls) => {
          run += 1;
          const jobs = service();
          const answers = await Promise.all(calls.map((c) => jobs.submit(fixtureSpec, c.id === undefined ? undefined : `${c.id}-${run}`, c.who === 'alice' ? as.alice : as.bob)));
          const byKey = new Map<string, string>();
          calls.forEach((c, i) => {
            const jobId = answers[i]?.jobId ?? '';
            if (c.id === undefined) return;
            const key = `${c.who}/${c.id}`;
            expect(byKey.get(key) ?? jobId).toBe(jobId);
            byKey.set(key, jobId);
          });
          const distinct = new Set(answers.map((a) => a.jobId));
          expect(distinct.size).toBe(calls.filter((c) => c.id === undefined).length + byKey.size);
          expect((await store.byIds([...distinct])).length).toBe(distinct.size);
        },
      ),
      { numRuns: 15 },
    );
  });
});
