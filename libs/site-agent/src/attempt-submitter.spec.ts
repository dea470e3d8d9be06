import { mkdtempSync } from 'node:fs';
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
import { AttemptSubmitter, slurmJobName } from './attempt-submitter';

const DIGEST = `sha256:${'b'.repeat(64)}`;
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

function setup(sbatch: (job: BatchJob) => Promise<string>) {
  const store = new AttemptStore(mkdtempSync(join(tmpdir(), 'submitter-')));
  const submitted: BatchJob[] = [];
  const published: { state: JobState; details: EventDetails }[] = [];
  const slurm = strictMock<SlurmRepository>({
    submit: async (job: BatchJob) => {
      submitted.push(job);
      return sbatch(job);
    },
  });
  const runtime = strictMock<ContainerRuntime>({
    prepare: async () => ({ path: '/cache/img.sqfs', digest: DIGEST }),
    launch: (run) => ({ argv: ['ch-run', run.image.path, '--', ...run.command], files: [] }),
  });
  const events = strictMock<AttemptEvents>({
    publish: async (_a, state: Exclude<JobState, 'ACCEPTED'>, details: EventDetails = {}) => {
      published.push({ state, details });
    },
  });
  const submitter = new AttemptSubmitter(store, slurm, runtime, events, { wrapperPath: '/w/cairn-wrap', arrayWrapperPath: '/w/cairn-wrap-array', defaultPartition: 'debug' }, createLogger('t', 'silent'));
  return { store, submitted, published, submitter };
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
      comment: slurmJobName(attempt.id),
      cpus: 2,
      memoryMb: 128,
      timeLimitSeconds: 60,
      partition: 'debug',
      scriptPath: join(attempt.dir, 'job.sh'),
    });
    expect((await store.load(attempt.id))?.status).toMatchObject({ slurmJobId: '101', submitting: false });
  });

  it('adopts the job a crashed agent submitted instead of submitting again', async () => {
    const { store, submitted, submitter } = setup(async () => '999');
    const attempt = await store.create(command('3f1c2b4a-0000-4000-8000-000000000002'));
    attempt.status.submitting = true;
    const known = new Map<string, SlurmJobInfo>([
      [slurmJobName(attempt.id), { jobId: '55', name: slurmJobName(attempt.id), state: 'RUNNING', reason: 'None', nodes: 'n', comment: '' }],
    ]);
    await submitter.submit(attempt, known);
    expect(submitted).toEqual([]);
    expect(attempt.status.slurmJobId).toBe('55');
  });

  it('resubmits an interrupted submission that Slurm never received', async () => {
    const { store, submitted, submitter } = setup(async () => '77');
    const attempt = await store.create(command('3f1c2b4a-0000-4000-8000-000000000003'));
    attempt.status.submitting = true;
    await submitter.submit(attempt, new Map());
    expect(submitted).toHaveLength(1);
    expect(attempt.status.slurmJobId).toBe('77');
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
