import { type NatsRequester, NoRespondersError } from '@cairn/adapters/nats';
import { openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { subjects } from '@cairn/contracts';
import { as, freshEmbeddedDir, strictMock } from '@cairn/testing';
import { Dispatcher } from './dispatcher';
import { FIXTURE_PINNED, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';
import { JobService } from './job.service';
import { JobStore } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';

const spec = fixtureSpec;
const PINNED = FIXTURE_PINNED;
const logger = quietLogger;
const on = subjects.site('dev').attemptEvents;

describe('which attempts count as dispatched for their events [real: PGlite]', () => {
  let store: JobStore;
  let close: () => Promise<void>;
  /** What the agent does with a submit request: answer, or fail; `during` runs while it "has" it. */
  let agent: { during?: () => Promise<void>; fail?: Error } = {};
  const submitted: string[] = [];

  const requester = strictMock<NatsRequester>({
    request: async (subject: string, payload: unknown) => {
      if (subject === subjects.images.resolve) return PINNED;
      submitted.push((payload as { attemptId: string }).attemptId);
      await agent.during?.();
      if (agent.fail) throw agent.fail;
      return { attemptId: (payload as { attemptId: string }).attemptId, duplicate: false };
    },
  } as Partial<NatsRequester>);
  const jobs = () => new JobService(store, requester, { sites: ['dev'] }, { dispatcher: noWake, outbox: noWake }, logger);
  const dispatcher = () => new Dispatcher(store, requester, logger, () => undefined);
  const pending = (job: { attemptId: string; jobId: string }) => ({
    attemptId: job.attemptId,
    jobId: job.jobId,
    site: 'dev',
    state: 'PENDING' as const,
    slurmJobId: '7',
    exitCode: null,
    reason: '',
    time: new Date().toISOString(),
  });

  beforeAll(async () => {
    const database = await openDatabase<SchedulerDb>({ embeddedDir: await freshEmbeddedDir('sent-'), schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    store = new JobStore(database.db);
    close = database.close;
  });
  afterAll(() => close());
  beforeEach(() => {
    agent = {};
  });

  it("applies the agent's event that arrives before its reply to the submit (the attempt was sent)", async () => {
    const service = jobs();
    const job = await service.submit(spec, undefined, as.alice);
    agent.during = () => service.applyAttemptEvent(on, pending(job));
    await dispatcher().tick();
    expect(await service.get(job.jobId, as.alice)).toMatchObject({ state: 'PENDING', slurmJobId: '7' });
  });

  it('refuses events for an attempt nobody received (no responders), and accepts them once it was sent', async () => {
    const service = jobs();
    const job = await service.submit(spec, undefined, as.alice);
    agent.fail = new NoRespondersError(subjects.site('dev').submit);
    await dispatcher().tick();
    expect(await store.byId(job.jobId)).toMatchObject({ dispatch_sent_at: null, dispatched_at: null });
    await service.applyAttemptEvent(on, pending(job));
    expect((await service.get(job.jobId, as.alice)).state).toBe('ACCEPTED');

    await store.markSent(job.jobId, new Date());
    await service.applyAttemptEvent(on, pending(job));
    expect((await service.get(job.jobId, as.alice)).state).toBe('PENDING');
  });

  it('keeps an attempt sent after a try that may have reached the agent (timeout), even if a later try finds nobody', async () => {
    const service = jobs();
    const job = await service.submit(spec, undefined, as.alice);
    const first = new Date(Date.now() - 60_000);
    await store.markSent(job.jobId, first); // an earlier try timed out: the agent may have it
    await store.deferDispatch(job.jobId, 1, new Date(0));
    agent.fail = new NoRespondersError(subjects.site('dev').submit);
    await dispatcher().tick();
    expect(submitted).toContain(job.attemptId);
    expect((await store.byId(job.jobId))?.dispatch_sent_at).toEqual(first);
    await service.applyAttemptEvent(on, pending(job));
    expect((await service.get(job.jobId, as.alice)).state).toBe('PENDING');
  });
});
