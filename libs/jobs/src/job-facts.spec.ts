import fc from 'fast-check';
import type { NatsRequester } from '@cairn/adapters/nats';
import { openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import {
  type AttemptEvent,
  JOB_LIMITS,
  type JobSpec,
  jobEventSchema,
  jobSpecSchema,
  jsonBytes,
  MAX_HASHED_FILES,
  ownerOf,
  type RunFacts,
  storableRunFacts,
  subjects,
} from '@cairn/contracts';
import { as, freshEmbeddedDir, principals, strictMock } from '@cairn/testing';
import { FIXTURE_PINNED, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';
import { jobFacts } from './job-facts';
import { JobService } from './job.service';
import { JobStore, toJobEvent } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';

const RUN_ID = '0b0e0c2e-4d52-4f5e-9a43-3f1d8a6c2b10';
const workflowSpec: JobSpec = {
  ...fixtureSpec,
  name: 'al.learn-2.train',
  command: ['python3', '/app/train.py', '/cairn/run/prepare/pool.npz'],
  resources: { cpus: 2, memoryMb: 512, timeLimitSeconds: 600, partition: 'debug' },
  array: { items: ['a', 'b', 'c'], itemsPerElement: 1 },
  run: { id: RUN_ID, stepDir: 'learn/2/train', outputs: ['model.npz'], uses: ['prepare/pool.npz'] },
};

describe('job provenance facts on the job events [real: PGlite]', () => {
  let store: JobStore;
  let close: () => Promise<void>;
  const requester = strictMock<NatsRequester>({
    request: async (subject: string) => {
      if (subject === subjects.images.resolve) return FIXTURE_PINNED;
      throw new Error(`unexpected request on ${subject}`);
    },
  } as Partial<NatsRequester>);
  const service = () => new JobService(store, requester, { sites: ['dev'] }, { dispatcher: noWake, outbox: noWake }, quietLogger);
  const eventsOf = async (jobId: string) => (await store.unpublished(10_000)).filter((t) => t.job_id === jobId).map(toJobEvent);

  beforeAll(async () => {
    const database = await openDatabase<SchedulerDb>({
      embeddedDir: await freshEmbeddedDir('sched-facts-'),
      schema: SCHEDULER_SCHEMA,
      migrations: [schedulerMigrations, auditMigrations],
    });
    store = new JobStore(database.db);
    close = database.close;
  }, 120_000);
  afterAll(() => close());

  const attemptEvent = (job: { jobId: string; attemptId: string }, state: AttemptEvent['state'], run?: RunFacts): AttemptEvent => ({
    attemptId: job.attemptId,
    jobId: job.jobId,
    site: 'dev',
    state,
    slurmJobId: '41',
    exitCode: state === 'COMPLETED' ? 0 : null,
    reason: '',
    time: new Date().toISOString(),
    ...(run ? { run } : {}),
  });

  it('the ACCEPTED event carries what the job is: owner, account, image as submitted and pinned, command, resources, items, its run', async () => {
    const job = await service().submit(workflowSpec, undefined, as.alice);
    const [accepted, ...rest] = await eventsOf(job.jobId);
    expect(rest).toEqual([]);
    expect(jobEventSchema.parse(accepted)).toEqual(accepted);
    expect(accepted?.facts).toEqual({
      owner: ownerOf(principals.alice),
      account: job.account,
      site: 'dev',
      name: 'al.learn-2.train',
      image: 'lab/busybox:1.36',
      imageRef: FIXTURE_PINNED.pinned,
      digest: FIXTURE_PINNED.digest,
      command: workflowSpec.command,
      resources: { cpus: 2, memoryMb: 512, timeLimitSeconds: 600, partition: 'debug' },
      items: 3,
      runId: RUN_ID,
      stepDir: 'learn/2/train',
      uses: ['prepare/pool.npz'],
    });
    expect(accepted?.run).toBeUndefined();
  });

  it('a job outside any workflow has no run id, step directory or uses, and 0 items', async () => {
    const job = await service().submit(fixtureSpec, undefined, as.bob);
    const [accepted] = await eventsOf(job.jobId);
    expect(accepted?.facts).toMatchObject({ items: 0, name: 'j', owner: ownerOf(principals.bob) });
    expect(accepted?.facts).not.toHaveProperty('runId');
    expect(accepted?.facts).not.toHaveProperty('stepDir');
    expect(accepted?.facts).not.toHaveProperty('uses');
  });

  it('RUNNING and final events carry the run facts of the attempt event; one without them carries none', async () => {
    const jobs = service();
    const job = await jobs.submit(workflowSpec, undefined, as.alice);
    await store.markSent(job.jobId, new Date());
    const on = subjects.site('dev').attemptEvents;
    const started: RunFacts = { host: 'c1', startTime: '2026-12-01T10:00:00.000Z' };
    const ended: RunFacts = {
      host: 'c1',
      startTime: '2026-12-01T10:00:00.000Z',
      endTime: '2026-12-01T10:05:00.000Z',
      outputs: [{ path: 'model.npz', sha256: 'a'.repeat(64), size: 12, kind: 'file' }],
      inputs: [{ path: '/data/pool.npz', sha256: 'b'.repeat(64), size: 7, kind: 'file' }],
      unhashed: ['missing.txt'],
    };
    await jobs.applyAttemptEvent(on, attemptEvent(job, 'PENDING'));
    await jobs.applyAttemptEvent(on, attemptEvent(job, 'RUNNING', started));
    await jobs.applyAttemptEvent(on, attemptEvent(job, 'COMPLETED', ended));
    const events = await eventsOf(job.jobId);
    expect(events.map((e) => [e.state, e.run])).toEqual([
      ['ACCEPTED', undefined],
      ['PENDING', undefined],
      ['RUNNING', started],
      ['COMPLETED', ended],
    ]);
    for (const event of events) expect(jobEventSchema.parse(event)).toEqual(event);
    expect(events.slice(1).every((e) => e.facts === undefined)).toBe(true);
  });

  it('hostile text in run facts (any code point, NUL included) is stored and every event still parses', async () => {
    const jobs = service();
    const on = subjects.site('dev').attemptEvents;
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 64 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }), async (host, path) => {
        const job = await jobs.submit(fixtureSpec, undefined, as.alice);
        await store.markSent(job.jobId, new Date());
        const run: RunFacts = { host, outputs: [{ path, sha256: 'c'.repeat(64), size: 1, kind: 'file' }], unhashed: [path] };
        await jobs.applyAttemptEvent(on, attemptEvent(job, 'COMPLETED', run));
        const final = (await eventsOf(job.jobId)).at(-1);
        expect(final?.state).toBe('COMPLETED');
        expect(final?.run).toEqual(storableRunFacts(run));
        expect(jobEventSchema.safeParse(final).success).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('facts at every limit (command, items, uses) keep the ACCEPTED event well under 1 MiB', () => {
    // Quotes double in JSON: the worst case of the 128 KiB of text.
    const arg = '"'.repeat(JOB_LIMITS.maxTotalBytes / JOB_LIMITS.maxArgs);
    const spec = jobSpecSchema.parse({
      ...workflowSpec,
      name: 'n'.repeat(64),
      command: Array.from({ length: JOB_LIMITS.maxArgs }, () => arg),
      array: undefined,
      run: {
        id: RUN_ID,
        stepDir: `${'d'.repeat(1000)}/x`,
        outputs: Array.from({ length: 64 }, (_, i) => `${'o'.repeat(1020)}${i}`),
        uses: Array.from({ length: 256 }, (_, i) => `${'u'.repeat(1020)}${i}`),
      },
    });
    const facts = jobFacts({ spec, owner: ownerOf(principals.alice), account: 'a'.repeat(64), imagePinned: `${'r'.repeat(160)}@${FIXTURE_PINNED.digest}`, imageDigest: FIXTURE_PINNED.digest });
    const event = { jobId: RUN_ID, sequence: 1, state: 'ACCEPTED' as const, exitCode: null, slurmJobId: '', reason: '', time: new Date().toISOString(), facts };
    expect(jobEventSchema.parse(event)).toEqual(event);
    expect(jsonBytes(event)).toBeLessThan(640 * 1024);
    // And the most items a job may have, counted (never listed).
    const items = Array.from({ length: JOB_LIMITS.maxItems }, () => 'i');
    expect(jobFacts({ spec: { ...fixtureSpec, array: { items, itemsPerElement: 10 } }, owner: ownerOf(principals.alice), account: 'a', imagePinned: FIXTURE_PINNED.pinned, imageDigest: FIXTURE_PINNED.digest }).items).toBe(JOB_LIMITS.maxItems);
  });

  it('run facts at their limits fit an event too', () => {
    const file = (i: number) => ({ path: `${'p'.repeat(1020)}${i}`, sha256: 'e'.repeat(64), size: Number.MAX_SAFE_INTEGER, kind: 'dir' as const });
    const run: RunFacts = {
      host: 'h'.repeat(255),
      startTime: new Date().toISOString(),
      endTime: new Date().toISOString(),
      outputs: Array.from({ length: MAX_HASHED_FILES }, (_, i) => file(i)),
      inputs: Array.from({ length: MAX_HASHED_FILES }, (_, i) => ({ ...file(i), path: `/${'q'.repeat(1019)}${i}` })),
      unhashed: Array.from({ length: MAX_HASHED_FILES }, () => '\u0000'.repeat(1024)),
    };
    const stored = storableRunFacts(run);
    const event = { jobId: RUN_ID, sequence: 4, state: 'COMPLETED' as const, exitCode: 0, slurmJobId: '1', reason: '', time: new Date().toISOString(), run: stored };
    expect(jobEventSchema.parse(event)).toEqual(event);
    expect(jsonBytes(event)).toBeLessThan(640 * 1024);
  });
});
