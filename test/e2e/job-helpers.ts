import { execFileSync } from 'node:child_process';
import { pb } from '@cairn/contracts';
import type { JobsClient } from '@cairn/client';

export function spec(overrides: Partial<pb.JobSpec> & { command: string[] }): pb.JobSpec {
  return {
    name: 'e2e',
    image: 'lab/busybox:1.36',
    env: {},
    site: '',
    array: undefined,
    ...overrides,
    resources: { cpus: 1, memoryMb: 256, timeLimitSeconds: 120, partition: '', ...overrides.resources },
  };
}

export const stateOf = (s: pb.JobState) => pb.JobState[s].replace('JOB_STATE_', '');

/** Submits and returns the job id. */
export async function submit(client: JobsClient, s: pb.JobSpec, requestId = ''): Promise<string> {
  const { job } = await client.submitJob({ spec: s, requestId });
  if (!job) throw new Error('no job in SubmitJobResponse');
  return job.jobId;
}

/** Follows WatchJob to the end and returns every event. */
export async function watchAll(client: JobsClient, jobId: string): Promise<pb.WatchJobResponse[]> {
  const events: pb.WatchJobResponse[] = [];
  for await (const event of client.watchJob(jobId)) events.push(event);
  return events;
}

export async function waitForState(client: JobsClient, jobId: string, state: pb.JobState, timeoutMs = 60_000): Promise<pb.Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.getJob(jobId);
    if (job.state === state) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} is ${stateOf(job.state)}, not ${stateOf(state)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Options for reading a whole Slurm listing. slurmctld keeps finished jobs for MinJobAge and
 * a benchmark can leave tens of thousands of them (20,000 records with their directories
 * are several MiB); Node's default 1 MiB buffer then fails the read with ENOBUFS.
 */
const slurmListing = { encoding: 'utf8', maxBuffer: 1 << 30 } as const;

/** Every Slurm job (finished ones too) with this name, straight from squeue. */
export function slurmJobsNamed(name: string): string[] {
  const out = execFileSync('squeue', ['--noheader', '--states=all', `--name=${name}`, '--format=%i'], slurmListing);
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

/**
 * How many Cairn-tagged jobs Slurm knows of, in any state, of the stack whose directory is
 * `scope` (its agent's jobs run in directories under it): other suites' stacks may be using
 * Slurm at the same time.
 */
export function cairnSlurmJobCount(scope: string): number {
  const out = execFileSync('squeue', ['--noheader', '--states=all', '--format=%j|%Z'], slurmListing);
  return out
    .split('\n')
    .map((line) => line.split('|'))
    .filter(([name, workDir]) => name?.startsWith('cairn-') && inScope(workDir, scope)).length;
}

/**
 * Waits (at most `timeoutMs`) until Slurm runs or queues no Cairn-tagged job of the stack
 * whose directory is `scope`: a suite that cancels its jobs calls it before stopping its
 * stack, since the agent delivers a cancel after CancelJob has answered.
 */
export async function untilNoLiveSlurmJobs(scope: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // squeue's default states: pending, running, completing, configuring, suspended.
    const out = execFileSync('squeue', ['--noheader', '--format=%j|%Z'], slurmListing);
    const live = out
      .split('\n')
      .map((line) => line.split('|'))
      .filter(([name, workDir]) => name?.startsWith('cairn-') && inScope(workDir, scope)).length;
    if (live === 0) return;
    if (Date.now() > deadline) throw new Error(`${live} Slurm jobs of ${scope} still live after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const inScope = (workDir: string | undefined, scope: string) => workDir !== undefined && (workDir === scope || workDir.startsWith(`${scope}/`));

/** The next whole second (waited for), as Slurm's accounting writes times (the machine's local time). */
export async function slurmClock(): Promise<string> {
  // Slurm records submit times in whole seconds: wait for the next one, so a job submitted
  // before this call (say, by the previous test, in the same second) is never counted.
  const now = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 1000 - (now % 1000) + 5));
  const at = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

/**
 * How many Slurm submissions Cairn made since `since` (slurmClock()), from Slurm's
 * accounting (slurmdbd), which remembers every job: an array job counts once; only the
 * stack's whose directory is `scope` (see cairnSlurmJobCount). squeue
 * forgets finished jobs after MinJobAge, so counting there drifts while a test runs.
 */
export function cairnSlurmSubmissionsSince(since: string, scope: string): number {
  const out = execFileSync('sacct', ['-X', '--noheader', '--parsable2', '--allusers', '-S', since, '--format=JobID,JobName,Submit,WorkDir'], slurmListing);
  const ids = out
    .split('\n')
    .map((line) => line.split('|'))
    .filter(([, name, submit, workDir]) => name?.startsWith('cairn-') && submit !== undefined && submit >= since && inScope(workDir, scope))
    .map(([id]) => (id ?? '').split('_')[0]);
  return new Set(ids).size;
}
