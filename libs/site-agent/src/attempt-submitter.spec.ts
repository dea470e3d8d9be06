import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerRuntime } from '@cairn/adapters/container-runtime';
import { CommandFailedError } from '@cairn/adapters/process';
import type { BatchJob, SlurmJobInfo, SlurmRepository } from '@cairn/adapters/slurm';
import type { JobState, SubmitAttemptCommand } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { strictMock } from '@cairn/testing';
import type { AttemptEvents, EventDetails } from './attempt-events';
import { AttemptStore } from './attempt-store';
import { AttemptSubmitter, findAdoptable, slurmJobComment, slurmJobName, type SubmitterOptions } from './attempt-submitter';
import { renderBatchScript, WRAPPER_SCRIPT } from './batch-script';
import { ELEMENT_WRAPPER_SCRIPT } from './element-launch';
import { JobFilesystem } from './job-fs';
import type { RunAsUsers } from './run-as-user';
import { CairnError } from '@cairn/contracts';
import type { ProcessRepository } from '@cairn/adapters/process';

const statusDefaults = { submitting: false, cancelRequested: false, published: [], final: false, missing: 0 };
const DIGEST = `sha256:${'b'.repeat(64)}`;
type SubmitterImages = SubmitterOptions['images'];
const command = (attemptId: string): SubmitAttemptCommand => ({
  attemptId,
  jobId: '9f1c2b4a-0000-4000-8000-000000000009',
  spec: {
    name: 'j',
    image: 'lab/busybox:1.36',
    command: ['/bin/echo', '$(id)'],
    env: {},
    resources: { cpus: 2, memoryMb: 128, timeLimitSeconds: 60 },
    site: 'dev',
  },
  image: { reference: 'lab/busybox:1.36', pinned: `reg/lab/busybox@${DIGEST}`, digest: DIGEST },
});

/** The agent as its own job user (no user switch): directories are made directly. */
const jobFs = new JobFilesystem(
  { name: 'cairn-job', uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, group: 'cairn-job', switchUser: false },
  strictMock<ProcessRepository>({}),
);
const slurmJob = (over: Partial<SlurmJobInfo>): SlurmJobInfo => ({ jobId: '55', name: '', state: 'RUNNING', reason: 'None', nodes: 'n', user: 'cairn-job', comment: '', ...over });

function setup(
  sbatch: (job: BatchJob) => Promise<string>,
  users?: RunAsUsers,
  catalogue?: SubmitterImages,
  queue: () => Promise<SlurmJobInfo[]> = async () => [],
  itemRunner?: SubmitterOptions['itemRunner'],
) {
  const root = mkdtempSync(join(tmpdir(), 'submitter-'));
  const store = new AttemptStore(join(root, 'attempts'));
  const runsDir = join(root, 'runs');
  const submitted: BatchJob[] = [];
  const published: { state: JobState; details: EventDetails }[] = [];
  const slurm = strictMock<SlurmRepository>({
    submit: async (job: BatchJob) => {
      submitted.push(job);
      return sbatch(job);
    },
    listJobs: queue,
  });
  const runtime = strictMock<ContainerRuntime>({
    toolsMount: '/tmp/.cairn-bin',
    launch: (run) => ({
      argv: [
        'ch-run',
        ...(run.binds ?? []).map((b) => `--bind=${b.source}:${b.target}`),
        ...(run.tools ? [`--bind=${run.tools}:/tmp/.cairn-bin`] : []),
        `--cd=${run.workDir ?? ''}`,
        run.image.path,
        '--',
        ...run.command,
      ],
      files: [],
    }),
  });
  const events = strictMock<AttemptEvents>({
    publish: async (_a, state: Exclude<JobState, 'ACCEPTED'>, details: EventDetails = {}) => {
      published.push({ state, details });
    },
  });
  const imageUses: { pinned: string; runId?: string }[] = [];
  const images = {
    recordOf: (digest: string) => ({ digest, pinned: `reg/lab/busybox@${digest}`, size: 1, runtime: 'charliecloud' as const, materializedAt: '', lastUsed: '', runIds: [], inUse: true, conversions: 1 }),
    materialize: async (pinned: string, digest: string, options: { runId?: string } = {}) => {
      imageUses.push({ pinned, ...(options.runId ? { runId: options.runId } : {}) });
      return { path: '/cache/img.sqfs', record: { digest, pinned, size: 1, runtime: 'charliecloud' as const, materializedAt: '', lastUsed: '', runIds: [], inUse: true, conversions: 1 } };
    },
  };
  const submitter = new AttemptSubmitter(store, slurm, runtime, events, { jobFs, runsDir, defaultPartition: 'debug', images: catalogue ?? images, ...(users ? { users } : {}), ...(itemRunner ? { itemRunner } : {}) }, createLogger('t', 'silent'));
  return { store, runsDir, submitted, published, submitter, imageUses };
}

describe('AttemptSubmitter', () => {
  it('submits once with the attempt id as name and comment, the spec’s resources and the default partition', async () => {
    const { store, submitted, submitter } = setup(async () => '101');
    const attempt = await store.create(command('3f1c2b4a-0000-4000-8000-000000000001'));
    expect(await submitter.submit(attempt)).toBe(true);
    expect(await submitter.submit(attempt)).toBe(true);
    expect(submitted).toHaveLength(1);
    expect(submitted[0]).toMatchObject({
      name: slurmJobName(attempt.id),
      comment: `${slurmJobName(attempt.id)}.${attempt.status.nonce ?? ''}`,
      workDir: join(attempt.dir, 'out'),
      stdoutPath: join(attempt.dir, 'out', 'stdout'),
      cpus: 2,
      memoryMb: 128,
      timeLimitSeconds: 60,
      partition: 'debug',
      scriptPath: join(attempt.dir, 'job.sh'),
    });
    // The batch script is the job wrapper itself, run with the attempt's directory (one bash start).
    expect(readFileSync(join(attempt.dir, 'job.sh'), 'utf8')).toBe(renderBatchScript({ wrapper: WRAPPER_SCRIPT, attemptDir: attempt.dir, attemptId: attempt.id }));
    expect((await store.load(attempt.id))?.status).toMatchObject({ slurmJobId: '101', submitting: false });
  });

  it('adopts the job a crashed agent submitted instead of submitting again', async () => {
    const { store, submitted, submitter } = setup(async () => '999');
    const attempt = await store.create(command('3f1c2b4a-0000-4000-8000-000000000002'));
    attempt.status.submitting = true;
    const known = [slurmJob({ jobId: '55', name: slurmJobName(attempt.id), comment: slurmJobComment(attempt) })];
    await submitter.submit(attempt, known);
    expect(submitted).toEqual([]);
    expect(attempt.status.slurmJobId).toBe('55');
  });

  it('resubmits an interrupted submission that Slurm never received', async () => {
    const { store, submitted, submitter } = setup(async () => '77');
    const attempt = await store.create(command('3f1c2b4a-0000-4000-8000-000000000003'));
    attempt.status.submitting = true;
    await submitter.submit(attempt, []);
    expect(submitted).toHaveLength(1);
    expect(attempt.status.slurmJobId).toBe('77');
  });

  it('lists the queue before trying again after an sbatch that failed, and adopts the job it made after all', async () => {
    const queue: SlurmJobInfo[] = [];
    let listings = 0;
    const { store, submitted, submitter } = setup(
      async (job) => {
        // The controller took the job, but sbatch never heard back.
        queue.push(slurmJob({ jobId: '88', name: job.name, comment: job.comment }));
        throw new CommandFailedError('sbatch', [], { exitCode: 1, stdout: '', stderr: 'sbatch: error: Batch job submission failed: Socket timed out on send/recv operation' });
      },
      undefined,
      undefined,
      async () => {
        listings += 1;
        return queue;
      },
    );
    const attempt = await store.create(command('3f1c2b4a-0000-4000-8000-000000000012'));
    expect(await submitter.submit(attempt)).toBe(false);
    expect(attempt.status.submitting).toBe(true);
    expect(await submitter.submit(attempt)).toBe(true);
    expect(submitted).toHaveLength(1);
    expect(listings).toBe(1);
    expect(attempt.status).toMatchObject({ slurmJobId: '88', submitting: false });
    expect((await store.load(attempt.id))?.status.slurmJobId).toBe('88');
  });

  it('retries later when the controller is unreachable, and fails the attempt when Slurm refuses it', async () => {
    const unreachable = setup(async () => {
      throw new CommandFailedError('sbatch', [], { exitCode: 1, stdout: '', stderr: 'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)' });
    });
    const a = await unreachable.store.create(command('3f1c2b4a-0000-4000-8000-000000000004'));
    expect(await unreachable.submitter.submit(a)).toBe(false);
    expect(unreachable.published).toEqual([]);

    const refused = setup(async () => {
      throw new CommandFailedError('sbatch', [], { exitCode: 1, stdout: '', stderr: 'sbatch: error: Batch job submission failed: Invalid partition name specified' });
    });
    const b = await refused.store.create(command('3f1c2b4a-0000-4000-8000-000000000005'));
    expect(await refused.submitter.submit(b)).toBe(true);
    expect(refused.published).toEqual([
      { state: 'FAILED', details: { reason: 'Slurm refused the job: sbatch: error: Batch job submission failed: Invalid partition name specified' } },
    ]);
  });

  it('publishes CANCELLED without submitting when cancelled before submission', async () => {
    const { store, submitted, published, submitter } = setup(async () => '1');
    const attempt = await store.create(command('3f1c2b4a-0000-4000-8000-000000000006'));
    attempt.status.cancelRequested = true;
    await submitter.submit(attempt);
    expect(submitted).toEqual([]);
    expect(published.map((p) => p.state)).toEqual(['CANCELLED']);
  });
});

describe('AttemptSubmitter with runAs (a person’s job)', () => {
  // Not switching users (the directories are made directly), but a person's ids.
  const me = { name: 'alice', uid: 1001, gid: 1001, group: 'alice', switchUser: false, home: '/home/alice' };
  const people = (resolve: (name: string) => Promise<typeof me>) => strictMock<RunAsUsers>({ resolveForJob: resolve }, 'RunAsUsers');
  const asAlice = (id: string, account = 'alice-lab'): SubmitAttemptCommand => ({ ...command(id), runAs: { posixUser: 'alice', account } });

  it('submits as the person with their account, and records their uid as the owner of the attempt’s files', async () => {
    const { store, submitted, submitter } = setup(async () => '201', people(async () => me));
    const attempt = await store.create(asAlice('3f1c2b4a-0000-4000-8000-0000000000c1'));
    expect(await submitter.submit(attempt)).toBe(true);
    expect(submitted[0]).toMatchObject({ account: 'alice-lab' });
    expect((await store.load(attempt.id))?.status.owner).toEqual({ uid: me.uid, gid: me.gid });
  });

  it('fails the attempt with the refusal, submitting nothing, when the person may not run jobs here', async () => {
    const refused = new CairnError('PERMISSION_DENIED', 'this site does not run jobs as "root": that is root (uid 0), and jobs never run as root');
    const { store, submitted, published, submitter } = setup(async () => '1', people(async () => Promise.reject(refused)));
    const attempt = await store.create(asAlice('3f1c2b4a-0000-4000-8000-0000000000c2'));
    expect(await submitter.submit(attempt)).toBe(true);
    expect(submitted).toEqual([]);
    expect(published).toEqual([{ state: 'FAILED', details: { reason: refused.message } }]);
  });

  it('adopts a job submitted before a restart even when the person is refused now (it runs already)', async () => {
    const { store, submitted, published, submitter } = setup(async () => '1', people(async () => Promise.reject(new CairnError('PERMISSION_DENIED', 'denied now'))));
    const attempt = await store.create(asAlice('3f1c2b4a-0000-4000-8000-0000000000c6'));
    attempt.status.submitting = true;
    await submitter.submit(attempt, [slurmJob({ jobId: '66', name: slurmJobName(attempt.id), comment: slurmJobComment(attempt), user: 'alice' })]);
    expect([submitted, published, attempt.status.slurmJobId]).toEqual([[], [], '66']);
  });

  it('retries later when the user lookup itself failed (NSS down)', async () => {
    const { store, submitted, published, submitter } = setup(async () => '1', people(async () => Promise.reject(new CairnError('UNAVAILABLE', 'getent passwd failed (exit 1)'))));
    expect(await submitter.submit(await store.create(asAlice('3f1c2b4a-0000-4000-8000-0000000000c3')))).toBe(false);
    expect([submitted, published]).toEqual([[], []]);
  });

  it('refuses runAs when the agent has no user rules', async () => {
    const { store, published, submitter } = setup(async () => '1');
    await submitter.submit(await store.create(asAlice('3f1c2b4a-0000-4000-8000-0000000000c4')));
    expect(published).toEqual([{ state: 'FAILED', details: { reason: 'this agent does not run jobs as people (no user rules configured)' } }]);
  });

  it('says plainly that Slurm refused an account the person has no association with', async () => {
    const { store, published, submitter } = setup(async () => {
      throw new CommandFailedError('sbatch', [], { exitCode: 1, stdout: '', stderr: 'sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified' });
    }, people(async () => me));
    expect(await submitter.submit(await store.create(asAlice('3f1c2b4a-0000-4000-8000-0000000000c5', 'genomics')))).toBe(true);
    expect(published).toEqual([
      {
        state: 'FAILED',
        details: {
          reason:
            'Slurm refused to charge account genomics for user alice: the user has no association with that account on this site (sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified)',
        },
      },
    ]);
  });
});

describe('findAdoptable (which Slurm job a restarted agent takes as its own)', () => {
  const attempt = { id: '3f1c2b4a-0000-4000-8000-0000000000a1', status: { nonce: 'ab'.repeat(16) } } as const;
  const name = slurmJobName(attempt.id);
  const comment = slurmJobComment({ id: attempt.id, status: { ...statusDefaults, nonce: attempt.status.nonce } });
  const mine = (jobId: string) => slurmJob({ jobId, name, comment });

  it('puts the attempt and its nonce in the comment', () => expect(comment).toBe(`${name}.${'ab'.repeat(16)}`));

  it.each([
    ['a job a user submitted by hand with the same name (no nonce)', [slurmJob({ jobId: '5', name, comment: name, user: 'alice' })]],
    ['the same name and comment, but another user', [slurmJob({ jobId: '5', name, comment, user: 'alice' })]],
    ['the job user, the name, but no nonce', [slurmJob({ jobId: '5', name, comment: name })]],
    ['the job user, the name, a wrong nonce', [slurmJob({ jobId: '5', name, comment: `${name}.${'cd'.repeat(16)}` })]],
    ['the nonce, another name', [slurmJob({ jobId: '5', name: `${name}x`, comment })]],
  ])('never adopts %s', (_what, jobs) => {
    expect(findAdoptable(jobs, { id: attempt.id, status: { ...statusDefaults, nonce: attempt.status.nonce } }, 'cairn-job')).toBeUndefined();
  });

  it('adopts the job submitted for it, and of several the lowest job id (array tasks by their array job)', () => {
    const status = { ...statusDefaults, nonce: attempt.status.nonce };
    expect(findAdoptable([mine('120'), mine('99'), mine('100_3')], { id: attempt.id, status }, 'cairn-job')?.jobId).toBe('99');
    expect(findAdoptable([slurmJob({ jobId: '7', name, comment: name, user: 'root' }), mine('1000_2')], { id: attempt.id, status }, 'cairn-job')?.jobId).toBe('1000_2');
  });
});

describe('AttemptSubmitter working directories', () => {
  const RUN = '7a0e5c1d-0000-4000-8000-0000000000aa';
  const withRun = (attemptId: string, extra: Partial<SubmitAttemptCommand> = {}, stepDir = 'produce'): SubmitAttemptCommand => {
    const base = command(attemptId);
    return { ...base, ...extra, spec: { ...base.spec, run: { id: RUN, stepDir } } };
  };
  /** Element file → [index, argv] per item (NUL-separated: index, argc, args). */
  const decodeElement = (buffer: Buffer): [number, string[]][] => {
    const fields = buffer.toString('utf8').split('\u0000').slice(0, -1);
    const items: [number, string[]][] = [];
    for (let i = 0; i < fields.length; ) {
      const argc = Number(fields[i + 1]);
      items.push([Number(fields[i]), fields.slice(i + 2, i + 2 + argc)]);
      i += 2 + argc;
    }
    return items;
  };
  const argvOf = (dir: string) => readFileSync(join(dir, 'argv'), 'utf8').split('\u0000').slice(0, -1);

  it("records the image use for the job's workflow run, or for the job itself outside any workflow", async () => {
    const { store, submitter, imageUses } = setup(async () => '1');
    await submitter.submit(await store.create(command('3f1c2b4a-0000-4000-8000-000000000021')));
    await submitter.submit(await store.create(withRun('3f1c2b4a-0000-4000-8000-000000000022')));
    expect(imageUses).toEqual([
      { pinned: `reg/lab/busybox@${DIGEST}`, runId: command('3f1c2b4a-0000-4000-8000-000000000021').jobId },
      { pinned: `reg/lab/busybox@${DIGEST}`, runId: RUN },
    ]);
  });

  it('runs a job without a run in its own workspace, as before, and creates no run directory', async () => {
    const { store, runsDir, submitter } = setup(async () => '1');
    const attempt = await store.create(command('3f1c2b4a-0000-4000-8000-000000000011'));
    await submitter.submit(attempt);
    expect(argvOf(attempt.dir)).toEqual([
      'ch-run',
      `--bind=${join(attempt.dir, 'work')}:/cairn/work`,
      '--cd=/cairn/work',
      '/cache/img.sqfs',
      '--',
      '/bin/echo',
      '$(id)',
    ]);
    expect(statSync(join(attempt.dir, 'work')).isDirectory()).toBe(true);
    expect(existsSync(runsDir)).toBe(false);
  });

  it('creates <runs>/<run>/<stepDir>, binds the run at /cairn/run beside /cairn/work and starts there', async () => {
    const { store, runsDir, submitter, submitted } = setup(async () => '1');
    const attempt = await store.create(withRun('3f1c2b4a-0000-4000-8000-000000000012', {}, 'learn/iter-2/train'));
    await submitter.submit(attempt);
    expect(submitted).toHaveLength(1);
    expect(statSync(join(runsDir, RUN, 'learn', 'iter-2', 'train')).isDirectory()).toBe(true);
    expect(argvOf(attempt.dir).slice(0, 4)).toEqual([
      'ch-run',
      `--bind=${join(attempt.dir, 'work')}:/cairn/work`,
      `--bind=${join(runsDir, RUN)}:/cairn/run`,
      '--cd=/cairn/run/learn/iter-2/train',
    ]);
  });

  it('gives each array item of a run its own directory named by its index in the step', async () => {
    const { store, runsDir, submitter } = setup(async () => '1');
    const array = { items: ['a', 'b', 'c'], itemsPerElement: 2, indices: [3, 17, 40] };
    const base = withRun('3f1c2b4a-0000-4000-8000-000000000013', { array }, 'sweep');
    const attempt = await store.create({ ...base, spec: { ...base.spec, command: ['/bin/echo', '${{ item }}'] } });
    await submitter.submit(attempt);
    for (const index of [3, 17, 40]) expect(statSync(join(runsDir, RUN, 'sweep', String(index))).isDirectory()).toBe(true);
    const elements = [0, 1].map((k) => decodeElement(readFileSync(join(attempt.dir, 'elements', String(k)))));
    const summary = elements.map((items) => items.map(([index, argv]) => [index, argv.find((a) => a.startsWith('--cd=')), argv.at(-1)]));
    expect(summary).toEqual([
      [
        [3, '--cd=/cairn/run/sweep/3', 'a'],
        [17, '--cd=/cairn/run/sweep/17', 'b'],
      ],
      [[40, '--cd=/cairn/run/sweep/40', 'c']],
    ]);
    expect(attempt.status.elements).toBe(2);
  });

  it('with the item runner, an element starts the runner once in the container: each item’s index, directory and argv in its work list', async () => {
    const runner = { dir: '/agent/item-runner', name: 'cairn-items-0123456789abcdef', wrapperPath: '/w/cairn-wrap-element' };
    const { store, runsDir, submitter, submitted } = setup(async () => '1', undefined, undefined, undefined, runner);
    const array = { items: ['a b', '$(id)', 'c'], itemsPerElement: 2, indices: [3, 17, 40] };
    const base = withRun('3f1c2b4a-0000-4000-8000-000000000015', { array }, 'sweep');
    const attempt = await store.create({ ...base, spec: { ...base.spec, command: ['/bin/echo', 'x=${{ item }}'] } });
    await submitter.submit(attempt);
    const fieldsOf = (file: string) => readFileSync(join(attempt.dir, file), 'utf8').split('\u0000').slice(0, -1);
    expect([0, 1].map((k) => fieldsOf(join('elements', String(k))))).toEqual([
      ['3', '/cairn/run/sweep/3', '2', '/bin/echo', 'x=a b', '17', '/cairn/run/sweep/17', '2', '/bin/echo', 'x=$(id)'],
      ['40', '/cairn/run/sweep/40', '2', '/bin/echo', 'x=c'],
    ]);
    expect(fieldsOf('element-launch')).toEqual([
      'ch-run',
      `--bind=${join(attempt.dir, 'work')}:/cairn/work`,
      `--bind=${join(runsDir, RUN)}:/cairn/run`,
      '--bind=/agent/item-runner:/tmp/.cairn-bin',
      '--cd=/cairn/run/sweep',
      '/cache/img.sqfs',
      '--',
      '/tmp/.cairn-bin/cairn-items-0123456789abcdef',
    ]);
    expect(readFileSync(join(attempt.dir, 'job.sh'), 'utf8')).toBe(renderBatchScript({ wrapper: ELEMENT_WRAPPER_SCRIPT, attemptDir: attempt.dir, attemptId: attempt.id }));
    expect(submitted[0]?.array).toBe('0-1');
  });

  it('names array items by position without indices, and keeps /cairn/work for arrays outside a run', async () => {
    const { store, runsDir, submitter } = setup(async () => '1');
    const positional = await store.create(withRun('3f1c2b4a-0000-4000-8000-000000000014', { array: { items: ['a', 'b'], itemsPerElement: 5 } }, 's'));
    await submitter.submit(positional);
    expect(decodeElement(readFileSync(join(positional.dir, 'elements', '0'))).map(([i, argv]) => [i, argv.find((a) => a.startsWith('--cd='))])).toEqual([
      [0, '--cd=/cairn/run/s/0'],
      [1, '--cd=/cairn/run/s/1'],
    ]);
    expect(readdirSync(join(runsDir, RUN, 's')).sort()).toEqual(['0', '1']);

    const plain = await store.create({ ...command('3f1c2b4a-0000-4000-8000-000000000015'), array: { items: ['a', 'b'], itemsPerElement: 5, indices: [8, 9] } });
    await submitter.submit(plain);
    expect(decodeElement(readFileSync(join(plain.dir, 'elements', '0'))).map(([i, argv]) => [i, argv.find((a) => a.startsWith('--cd='))])).toEqual([
      [8, '--cd=/cairn/work'],
      [9, '--cd=/cairn/work'],
    ]);
  });

  it('fails the attempt, without submitting, when a symbolic link in the run would lead the step directory elsewhere', async () => {
    const { store, runsDir, submitter, submitted, published } = setup(async () => '1');
    const outside = mkdtempSync(join(tmpdir(), 'outside-'));
    mkdirSync(join(runsDir, RUN), { recursive: true });
    symlinkSync(outside, join(runsDir, RUN, 'produce'));
    const attempt = await store.create(withRun('3f1c2b4a-0000-4000-8000-000000000016', { array: { items: ['a'], itemsPerElement: 1 } }));
    expect(await submitter.submit(attempt)).toBe(true);
    expect(submitted).toEqual([]);
    expect(published).toEqual([
      { state: 'FAILED', details: { reason: `working directory could not be created: ${join(runsDir, RUN, 'produce')} is a symbolic link, not a directory` } },
    ]);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('writes the declared outputs and inputs for the wrapper to hash, beside the argv and readable but not writable by the job', async () => {
    const { store, runsDir, submitter } = setup(async () => '1');
    const base = withRun('3f1c2b4a-0000-4000-8000-000000000017', {}, 'learn/2/train');
    const run = { id: RUN, stepDir: 'learn/2/train', outputs: ['model.npz', 'plots'], inputs: ['/data/pool.csv'] };
    const attempt = await store.create({ ...base, spec: { ...base.spec, run } });
    await submitter.submit(attempt);
    const fields = (name: string) => readFileSync(join(attempt.dir, name), 'utf8').split('\u0000').slice(0, -1);
    expect(fields('hash-outputs')).toEqual([join(runsDir, RUN), join(runsDir, RUN, 'learn', '2', 'train'), 'model.npz', 'plots']);
    expect(fields('hash-inputs')).toEqual(['/data/pool.csv']);
    expect(statSync(join(attempt.dir, 'hash-outputs')).mode & 0o777).toBe(0o644);

    const plain = await store.create(withRun('3f1c2b4a-0000-4000-8000-000000000018'));
    await submitter.submit(plain);
    expect(existsSync(join(plain.dir, 'hash-outputs')) || existsSync(join(plain.dir, 'hash-inputs'))).toBe(false);
  });
});

describe('AttemptSubmitter while its image is converted', () => {
  /** A catalogue whose one conversion the test ends by hand (resolve or reject). */
  function convertingCatalogue() {
    const held = new Set<string>();
    let conversions = 0;
    let end: { resolve: () => void; reject: (error: unknown) => void } | undefined;
    const record = (digest: string) => ({ digest, pinned: `reg/lab/busybox@${digest}`, size: 1, runtime: 'charliecloud' as const, materializedAt: '', lastUsed: '', runIds: [], inUse: true, conversions });
    const catalogue: SubmitterImages = {
      recordOf: (digest) => (held.has(digest) ? record(digest) : undefined),
      materialize: async (_pinned, digest) => {
        if (!held.has(digest)) {
          conversions += 1;
          await new Promise<void>((resolve, reject) => {
            end = { resolve, reject };
          });
          held.add(digest);
        }
        return { path: '/cache/img.sqfs', record: record(digest) };
      },
    };
    return { catalogue, finish: () => end?.resolve(), fail: (error: unknown) => end?.reject(error), conversions: () => conversions };
  }

  it('waits without blocking, converts once, and is handed back when the conversion ends', async () => {
    const images = convertingCatalogue();
    const { store, submitted, submitter } = setup(async () => '7', undefined, images.catalogue);
    const ready: string[] = [];
    submitter.onImageReady((id) => ready.push(id));
    const attempt = await store.create(command('3f1c2b4a-0000-4000-8000-0000000000a1'));
    expect(await submitter.submit(attempt)).toBe(false);
    expect(await submitter.submit(attempt)).toBe(false);
    expect(images.conversions()).toBe(1);
    expect(submitted).toHaveLength(0);
    images.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toEqual([attempt.id]);
    expect(await submitter.submit(attempt)).toBe(true);
    expect(submitted).toHaveLength(1);
  });

  it('fails the attempt when the image is refused, and retries later (no hand-back) when the registry does not answer', async () => {
    for (const [error, outcome] of [
      [new CairnError('FAILED_PRECONDITION', 'image refused: blob sha256:ab does not match its digest'), 'FAILED'],
      [new CairnError('UNAVAILABLE', 'registry 127.0.0.1:5009 did not answer'), 'retry'],
    ] as const) {
      const images = convertingCatalogue();
      const { store, submitted, published, submitter } = setup(async () => '7', undefined, images.catalogue);
      const ready: string[] = [];
      submitter.onImageReady((id) => ready.push(id));
      const attempt = await store.create(command(outcome === 'FAILED' ? '3f1c2b4a-0000-4000-8000-0000000000a2' : '3f1c2b4a-0000-4000-8000-0000000000a3'));
      expect(await submitter.submit(attempt)).toBe(false);
      images.fail(error);
      await new Promise((resolve) => setImmediate(resolve));
      expect(ready).toEqual(outcome === 'FAILED' ? [attempt.id] : []);
      expect(await submitter.submit(attempt)).toBe(outcome === 'FAILED');
      expect(submitted).toHaveLength(0);
      expect(published.map((p) => p.state)).toEqual(outcome === 'FAILED' ? ['FAILED'] : []);
      if (outcome === 'FAILED') expect(published[0]?.details.reason).toContain('does not match its digest');
      else expect(images.conversions()).toBe(2);
    }
  });
});
