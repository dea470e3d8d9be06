import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsRequester } from '@cairn/adapters/nats';
import { openDatabase } from '@cairn/adapters/postgres';
import { CairnError, type JobSpec, subjects } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import { Dispatcher } from './dispatcher';
import { JobService } from './job.service';
import { JobStore } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations/0001-jobs';

const spec: JobSpec = {
  name: 'j',
  image: 'lab/busybox:1.36',
  command: ['/bin/true'],
  env: {},
  resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 },
  site: 'dev',
};
const PINNED = { reference: 'lab/busybox:1.36', pinned: `reg/lab/busybox@sha256:${'c'.repeat(64)}`, digest: `sha256:${'c'.repeat(64)}` };
const logger = createLogger('test', 'silent');
const noWake = { wake: () => undefined };

describe('scheduler logic [real: PGlite]', () => {
  let store: JobStore;
  let close: () => Promise<void>;
  const requests: { subject: string; payload: unknown }[] = [];
  let agentReply: (subject: string) => unknown = () => ({});

  const requester = strictMock<NatsRequester>({
    request: async (subject: string, payload: unknown) => {
      requests.push({ subject, payload });
      if (subject === subjects.images.resolve) return PINNED;
      const reply = agentReply(subject);
      if (reply instanceof Error) throw reply;
      return reply;
    },
  } as Partial<NatsRequester>);
  const service = () => new JobService(store, requester, { sites: ['dev'] }, { dispatcher: noWake, outbox: noWake }, logger);

  beforeAll(async () => {
    const database = await openDatabase<SchedulerDb>({
      embeddedDir: mkdtempSync(join(tmpdir(), 'sched-')),
      schema: SCHEDULER_SCHEMA,
      migrations: schedulerMigrations,
    });
    store = new JobStore(database.db);
    close = database.close;
  });
  afterAll(() => close());
  beforeEach(() => {
    requests.length = 0;
  });

  it('pins the image, stores ACCEPTED with one transition, and returns the same job for a repeated request id', async () => {
    const jobs = service();
    const first = await jobs.submit(spec, 'req-1');
    const again = await jobs.submit(spec, 'req-1');
    expect(again.jobId).toBe(first.jobId);
    expect(first).toMatchObject({ state: 'ACCEPTED', imageDigest: PINNED.pinned, exitCode: null });
    expect(requests.filter((r) => r.subject === subjects.images.resolve)).toHaveLength(1);
    const unpublished = (await store.unpublished(100)).filter((t) => t.job_id === first.jobId);
    expect(unpublished.map((t) => [t.seq, t.state])).toEqual([[1, 'ACCEPTED']]);
  });

  it('refuses an unknown site before resolving anything', async () => {
    await expect(service().submit({ ...spec, site: 'elsewhere' })).rejects.toThrow('spec.site: unknown site "elsewhere"; known sites: dev');
    expect(requests).toEqual([]);
  });

  it('applies agent events once, in order, ignoring repeats and stale ones', async () => {
    const jobs = service();
    const job = await jobs.submit(spec);
    const event = (state: 'PENDING' | 'RUNNING' | 'COMPLETED', exitCode: number | null = null) => ({
      attemptId: job.attemptId,
      jobId: job.jobId,
      site: 'dev',
      state,
      slurmJobId: '12',
      exitCode,
      reason: '',
      time: new Date().toISOString(),
    });
    await jobs.applyAttemptEvent(event('PENDING'));
    await jobs.applyAttemptEvent(event('RUNNING'));
    await jobs.applyAttemptEvent(event('RUNNING'));
    await jobs.applyAttemptEvent(event('PENDING'));
    await jobs.applyAttemptEvent(event('COMPLETED', 0));
    await jobs.applyAttemptEvent(event('COMPLETED', 0));
    const final = await jobs.get(job.jobId);
    expect(final).toMatchObject({ state: 'COMPLETED', exitCode: 0, slurmJobId: '12' });
    const transitions = (await store.unpublished(1000)).filter((t) => t.job_id === job.jobId);
    expect(transitions.map((t) => t.state)).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'COMPLETED']);
    expect(transitions.map((t) => t.seq)).toEqual([1, 2, 3, 4]);
  });

  it('keeps retrying dispatch while the agent is unreachable, then marks the job dispatched', async () => {
    const jobs = service();
    const job = await jobs.submit(spec);
    const dispatcher = new Dispatcher(store, requester, logger, () => undefined);
    agentReply = () => new CairnError('UNAVAILABLE', 'no service answers');
    await dispatcher.tick();
    expect((await store.byId(job.jobId))?.dispatched_at).toBeNull();
    agentReply = () => ({ attemptId: job.attemptId, duplicate: false });
    await dispatcher.tick();
    expect((await store.byId(job.jobId))?.dispatched_at).not.toBeNull();
    const sent = requests.filter((r) => r.subject === subjects.site('dev').submit && (r.payload as { attemptId: string }).attemptId === job.attemptId);
    expect(sent).toHaveLength(2);
    await dispatcher.tick();
    expect(requests.filter((r) => (r.payload as { attemptId?: string }).attemptId === job.attemptId)).toHaveLength(2);
  });

  it('cancels a job the agent never had without waiting for an event', async () => {
    const jobs = service();
    const job = await jobs.submit(spec);
    await jobs.cancel(job.jobId);
    agentReply = (subject) => (subject.endsWith('.cancel') ? { attemptId: job.attemptId, known: false } : new CairnError('UNAVAILABLE', 'x'));
    await new Dispatcher(store, requester, logger, () => undefined).tick();
    expect(await jobs.get(job.jobId)).toMatchObject({ state: 'CANCELLED', reason: 'cancelled before submission' });
    expect(requests.some((r) => r.subject === subjects.site('dev').submit && (r.payload as { attemptId: string }).attemptId === job.attemptId)).toBe(false);
  });

  it('pages newest first with opaque tokens', async () => {
    const jobs = service();
    for (let i = 0; i < 3; i += 1) await jobs.submit({ ...spec, name: `page-${i}` });
    const first = await jobs.list({ pageSize: 2, states: [], namePrefix: 'page-' });
    const second = await jobs.list({ pageSize: 2, states: [], namePrefix: 'page-', pageToken: first.nextPageToken });
    expect([...first.jobs, ...second.jobs].map((j) => j.spec.name)).toEqual(['page-2', 'page-1', 'page-0']);
    expect(second.nextPageToken).toBe('');
  });
});
