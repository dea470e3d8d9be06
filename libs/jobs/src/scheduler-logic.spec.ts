import type { NatsRequester } from '@cairn/adapters/nats';
import { openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { CairnError, MAX_ROWS_REPLY_BYTES, ownerOf, subjects } from '@cairn/contracts';
import { as, freshEmbeddedDir, principals, strictMock } from '@cairn/testing';
import { Dispatcher } from './dispatcher';
import { FIXTURE_PINNED, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';
import { FIRST_RETRY_MS } from './dispatch-retry';
import { JobService } from './job.service';
import { JobStore } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';

const spec = fixtureSpec;
const PINNED = FIXTURE_PINNED;
const logger = quietLogger;

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
      embeddedDir: await freshEmbeddedDir('sched-'),
      schema: SCHEDULER_SCHEMA,
      migrations: [schedulerMigrations, auditMigrations],
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
    const first = await jobs.submit(spec, 'req-1', as.alice);
    const again = await jobs.submit(spec, 'req-1', as.alice);
    expect(again.jobId).toBe(first.jobId);
    expect(first).toMatchObject({ state: 'ACCEPTED', imageDigest: PINNED.pinned, exitCode: null });
    expect(requests.filter((r) => r.subject === subjects.images.resolve)).toHaveLength(1);
    const unpublished = (await store.unpublished(100)).filter((t) => t.job_id === first.jobId);
    expect(unpublished.map((t) => [t.seq, t.state])).toEqual([[1, 'ACCEPTED']]);
  });

  it('refuses an unknown site before resolving anything', async () => {
    await expect(service().submit({ ...spec, site: 'elsewhere' }, undefined, as.alice)).rejects.toThrow('spec.site: unknown site "elsewhere"; known sites: dev');
    expect(requests).toEqual([]);
  });

  it('applies agent events once, in order, ignoring repeats and stale ones', async () => {
    const jobs = service();
    const job = await jobs.submit(spec, undefined, as.alice);
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
    await store.markSent(job.jobId, new Date()); // as the dispatcher does before its request
    const on = subjects.site('dev').attemptEvents;
    await jobs.applyAttemptEvent(on, event('PENDING'));
    await jobs.applyAttemptEvent(on, event('RUNNING'));
    await jobs.applyAttemptEvent(on, event('RUNNING'));
    await jobs.applyAttemptEvent(on, event('PENDING'));
    await jobs.applyAttemptEvent(on, event('COMPLETED', 0));
    await jobs.applyAttemptEvent(on, event('COMPLETED', 0));
    const final = await jobs.get(job.jobId, as.alice);
    expect(final).toMatchObject({ state: 'COMPLETED', exitCode: 0, slurmJobId: '12' });
    const transitions = (await store.unpublished(1000)).filter((t) => t.job_id === job.jobId);
    expect(transitions.map((t) => t.state)).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'COMPLETED']);
    expect(transitions.map((t) => t.seq)).toEqual([1, 2, 3, 4]);
  });

  it('keeps retrying dispatch while the agent is unreachable, after a backoff, then marks the job dispatched', async () => {
    const jobs = service();
    const job = await jobs.submit(spec, undefined, as.alice);
    let now = Date.now();
    const dispatcher = new Dispatcher(store, requester, logger, () => undefined, () => new Date(now));
    agentReply = () => new CairnError('UNAVAILABLE', 'no service answers');
    await dispatcher.tick();
    expect(await store.byId(job.jobId)).toMatchObject({ dispatched_at: null, dispatch_tries: 1 });
    agentReply = () => ({ attemptId: job.attemptId, duplicate: false });
    await dispatcher.tick(); // within the backoff: not tried
    expect((await store.byId(job.jobId))?.dispatched_at).toBeNull();
    now += FIRST_RETRY_MS;
    await dispatcher.tick();
    expect((await store.byId(job.jobId))?.dispatched_at).not.toBeNull();
    const sent = requests.filter((r) => r.subject === subjects.site('dev').submit && (r.payload as { attemptId: string }).attemptId === job.attemptId);
    expect(sent.length).toBeGreaterThanOrEqual(1); // (deferred without a request when an older job of its site found it down)
    // It runs as its owner, charged to its account.
    expect(sent.map((r) => (r.payload as { runAs?: unknown }).runAs)).toEqual(sent.map(() => ({ posixUser: 'alice', account: 'alice-lab' })));
    now += 10 * FIRST_RETRY_MS;
    await dispatcher.tick();
    expect(requests.filter((r) => (r.payload as { attemptId?: string }).attemptId === job.attemptId)).toHaveLength(sent.length);
  });

  it('fails a job the agent can never take (too large, invalid) with its reason, once, and goes on with the next jobs', async () => {
    const jobs = service();
    const big = await jobs.submit({ ...spec, name: 'too-big' }, undefined, as.alice);
    const bad = await jobs.submit({ ...spec, name: 'refused' }, undefined, as.alice);
    const good = await jobs.submit({ ...spec, name: 'fine' }, undefined, as.alice);
    agentReply = (subject) => {
      const last = requests[requests.length - 1]?.payload as { attemptId: string };
      if (!subject.endsWith('.submit')) return new Error('unexpected');
      if (last.attemptId === big.attemptId) return new CairnError('RESOURCE_EXHAUSTED', 'the request is 2000000 bytes; at most 1048576');
      if (last.attemptId === bad.attemptId) return new CairnError('INVALID_ARGUMENT', `spec: ${'x'.repeat(100_000)}`);
      return { attemptId: last.attemptId, duplicate: false };
    };
    const dispatcher = new Dispatcher(store, requester, logger, () => undefined);
    await dispatcher.tick();
    expect(await jobs.get(big.jobId, as.alice)).toMatchObject({ state: 'FAILED', reason: expect.stringContaining('2000000 bytes; at most 1048576') });
    const refused = await jobs.get(bad.jobId, as.alice);
    expect(refused.state).toBe('FAILED');
    expect(refused.reason.length).toBeLessThan(1000); // a bounded excerpt of the refusal
    expect((await store.byId(good.jobId))?.dispatched_at).not.toBeNull();
    const before = requests.length;
    await dispatcher.tick();
    expect(requests.slice(before).filter((r) => [big.attemptId, bad.attemptId].includes((r.payload as { attemptId: string }).attemptId))).toEqual([]);
  });

  it('dispatches a job of a reachable site while more than a batch of jobs wait for an unreachable one', async () => {
    const jobs = service();
    const stuck: string[] = [];
    for (let i = 0; i < 150; i += 1) stuck.push((await jobs.submit({ ...spec, name: `stuck-${i}` }, undefined, as.alice)).attemptId);
    const other = await new JobService(store, requester, { sites: ['dev', 'other'] }, { dispatcher: noWake, outbox: noWake }, logger).submit({ ...spec, site: 'other' }, undefined, as.alice);
    agentReply = (subject) => (subject === subjects.site('other').submit ? { attemptId: other.attemptId, duplicate: false } : new CairnError('UNAVAILABLE', 'no service answers'));
    let now = Date.now();
    const dispatcher = new Dispatcher(store, requester, logger, () => undefined, () => new Date(now));
    for (let tick = 0; tick < 3 && !(await store.byId(other.jobId))?.dispatched_at; tick += 1) {
      await dispatcher.tick();
      now += 10;
    }
    expect((await store.byId(other.jobId))?.dispatched_at).not.toBeNull();
    // Per tick, the unreachable site costs one request, not one per job.
    const toDev = requests.filter((r) => r.subject === subjects.site('dev').submit && stuck.includes((r.payload as { attemptId: string }).attemptId));
    expect(toDev.length).toBeLessThanOrEqual(3);
    for (const attemptId of stuck) {
      const row = await store.byAttemptId(attemptId);
      if (row) await store.transition(row.job_id, { state: 'FAILED', at: new Date() });
    }
  });

  it('cancels a job the agent never had without waiting for an event', async () => {
    const jobs = service();
    const job = await jobs.submit(spec, undefined, as.alice);
    await jobs.cancel(job.jobId, as.alice);
    agentReply = (subject) => (subject.endsWith('.cancel') ? { attemptId: job.attemptId, known: false } : new CairnError('UNAVAILABLE', 'x'));
    await new Dispatcher(store, requester, logger, () => undefined).tick();
    expect(await jobs.get(job.jobId, as.alice)).toMatchObject({ state: 'CANCELLED', reason: 'cancelled before submission' });
    expect(requests.some((r) => r.subject === subjects.site('dev').submit && (r.payload as { attemptId: string }).attemptId === job.attemptId)).toBe(false);
  });

  it('caps a list page by bytes and steps over a stored record too large for any reply, never stopping the listing', async () => {
    const jobs = service();
    const long = { ...spec, command: ['/bin/true', ...Array.from({ length: 32 }, () => '"'.repeat(4000))] }; // ~256 KB as JSON
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await jobs.submit({ ...long, name: `bytes-${i}` }, undefined, as.alice)).jobId);
    // A record from before the limits: 1 MB of items.
    const huge = await store.insert({
      jobId: '00000000-0000-4000-8000-00000000beef',
      attemptId: '00000000-0000-4000-8000-00000000bee0',
      spec: { ...spec, name: 'bytes-huge', array: { items: Array.from({ length: 250 }, () => 'z'.repeat(4000)), itemsPerElement: 250 } },
      imagePinned: PINNED.pinned,
      imageDigest: PINNED.digest,
      at: new Date(),
      owner: ownerOf(principals.alice),
      account: 'alice-lab',
      audit: { at: new Date(), rpc: 'test', ids: [], outcome: 'OK' },
    });
    ids.push((await jobs.submit({ ...long, name: 'bytes-last' }, undefined, as.alice)).jobId);
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await jobs.list({ ...as.alice, pageSize: 500, states: [], namePrefix: 'bytes-', ...(pageToken ? { pageToken } : {}) });
      expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThanOrEqual(MAX_ROWS_REPLY_BYTES + 1000);
      seen.push(...page.jobs.map((j) => j.jobId));
      pageToken = page.nextPageToken || undefined;
      pages += 1;
    } while (pageToken);
    expect(pages).toBeGreaterThan(1);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(seen).not.toContain(huge.job_id);
  });

  it('pages newest first with opaque tokens', async () => {
    const jobs = service();
    for (let i = 0; i < 3; i += 1) await jobs.submit({ ...spec, name: `page-${i}` }, undefined, as.alice);
    const first = await jobs.list({ ...as.alice, pageSize: 2, states: [], namePrefix: 'page-' });
    const second = await jobs.list({ ...as.alice, pageSize: 2, states: [], namePrefix: 'page-', pageToken: first.nextPageToken });
    expect([...first.jobs, ...second.jobs].map((j) => j.spec.name)).toEqual(['page-2', 'page-1', 'page-0']);
    expect(second.nextPageToken).toBe('');
  });
});
