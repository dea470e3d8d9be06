import type { ImagePrewarm, NatsRequester } from '@cairn/adapters/nats';
import { openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { CairnError, type ErrorCode, type ResolvedImage, subjects } from '@cairn/contracts';
import { as, freshEmbeddedDir, strictMock } from '@cairn/testing';
import { FIXTURE_PINNED, fixtureSpec, noWake, quietLogger } from './scheduler-fixtures';
import { JobService } from './job.service';
import { JobStore } from './job.store';
import { SCHEDULER_SCHEMA, type SchedulerDb } from './jobs.tables';
import { schedulerMigrations } from './migrations';

/** The CairnError a call is refused with. */
const refusal = (call: Promise<unknown>): Promise<CairnError> =>
  call.then(
    () => {
      throw new Error('not refused');
    },
    (error: unknown) => {
      if (error instanceof CairnError) return error;
      throw error;
    },
  );

const RUN_ID = '3f0c8a52-3c2e-4a43-9d2b-1b2f0a7f3c11';
const PINNED_IN_RUN = `127.0.0.1:5000/lab/busybox@sha256:${'d'.repeat(64)}`;

describe('a job\'s image: resolved for its site, pre-warmed once accepted [real: PGlite]', () => {
  let store: JobStore;
  let close: () => Promise<void>;
  const resolves: unknown[] = [];
  const prewarms: { site: string; images: readonly ResolvedImage[]; runId: string; jobs: number }[] = [];
  let resolution: () => ResolvedImage | CairnError = () => FIXTURE_PINNED;

  const requester = strictMock<NatsRequester>({
    request: async (subject: string, payload: unknown) => {
      if (subject !== subjects.images.resolve) throw new Error(`unexpected request on ${subject}`);
      resolves.push(payload);
      const answer = resolution();
      if (answer instanceof CairnError) throw answer;
      return answer;
    },
  } as Partial<NatsRequester>);
  const prewarm: ImagePrewarm = {
    // What was durable when the prewarm went out: the number of jobs stored.
    prewarm: (site, images, runId) => void store.byIds([runId]).then((rows) => prewarms.push({ site, images, runId, jobs: rows.length })),
  };
  const service = () => new JobService(store, requester, { sites: ['dev', 'hpc1'] }, { dispatcher: noWake, outbox: noWake }, quietLogger, prewarm);
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  beforeAll(async () => {
    const database = await openDatabase<SchedulerDb>({ embeddedDir: await freshEmbeddedDir('job-images-'), schema: SCHEDULER_SCHEMA, migrations: [schedulerMigrations, auditMigrations] });
    store = new JobStore(database.db);
    close = database.close;
  });
  afterAll(() => close());
  beforeEach(() => {
    resolves.length = 0;
    prewarms.length = 0;
    resolution = () => FIXTURE_PINNED;
  });

  it('resolves the reference for the job\'s site and pre-warms the pinned image at that site once the job is stored, with the job id as run id', async () => {
    const job = await service().submit({ ...fixtureSpec, site: 'hpc1' }, 'prewarm-1', as.alice);
    await settle();
    expect(resolves).toEqual([{ reference: fixtureSpec.image, site: 'hpc1' }]);
    expect(prewarms).toEqual([{ site: 'hpc1', images: [{ reference: fixtureSpec.image, pinned: FIXTURE_PINNED.pinned, digest: FIXTURE_PINNED.digest }], runId: job.jobId, jobs: 1 }]);
    // A repeated request id finds the first job: nothing is pre-warmed again.
    await service().submit({ ...fixtureSpec, site: 'hpc1' }, 'prewarm-1', as.alice);
    await settle();
    expect(prewarms).toHaveLength(1);
  });

  it.each<[ErrorCode, string]>([
    ['INVALID_ARGUMENT', 'the tag "a b" is not a tag'],
    ['PERMISSION_DENIED', 'registry evil.example is not allowed at site dev'],
    ['NOT_FOUND', 'tag 9 of lab/nowhere not found'],
    ['UNAVAILABLE', 'registry 127.0.0.1:1 does not answer'],
  ])('a %s refusal of resolution keeps its code, names spec.image, records no job and pre-warms nothing', async (code, message) => {
    resolution = () => new CairnError(code, message);
    const before = await store.activeCounts(as.alice.caller, 'alice-lab');
    const error = await refusal(service().submit(fixtureSpec, undefined, as.alice));
    expect(error.code).toBe(code);
    expect(error.message).toBe(`spec.image: ${message}`);
    await settle();
    expect(prewarms).toEqual([]);
    expect(await store.activeCounts(as.alice.caller, 'alice-lab')).toEqual(before);
  });

  it('a workflow\'s job runs the reference its run pinned: never resolved again, never pre-warmed again (its run was)', async () => {
    const job = await service().submit({ ...fixtureSpec, image: PINNED_IN_RUN, run: { id: RUN_ID, stepDir: 'steps/a' } }, undefined, as.alice);
    await settle();
    expect(resolves).toEqual([]);
    expect(prewarms).toEqual([]);
    expect(job.imageDigest).toBe(PINNED_IN_RUN);
    expect((await store.byId(job.jobId))?.image_digest).toBe(`sha256:${'d'.repeat(64)}`);
  });

  it('a workflow\'s job naming a tag (not pinned) is resolved as any other', async () => {
    await service().submit({ ...fixtureSpec, run: { id: RUN_ID, stepDir: 'steps/b' } }, undefined, as.alice);
    expect(resolves).toEqual([{ reference: fixtureSpec.image, site: 'dev' }]);
  });
});
