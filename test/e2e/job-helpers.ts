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

/** Every Slurm job (finished ones too) with this name, straight from squeue. */
export function slurmJobsNamed(name: string): string[] {
  const out = execFileSync('squeue', ['--noheader', '--states=all', `--name=${name}`, '--format=%i'], { encoding: 'utf8' });
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

/** How many Cairn-tagged jobs Slurm knows of, in any state. */
export function cairnSlurmJobCount(): number {
  const out = execFileSync('squeue', ['--noheader', '--states=all', '--format=%j'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.startsWith('cairn-')).length;
}

/** How many Slurm submissions Cairn made that Slurm remembers: an array job counts once. */
export function cairnSlurmSubmissionCount(): number {
  const out = execFileSync('squeue', ['--noheader', '--states=all', '--format=%F|%j'], { encoding: 'utf8' });
  return new Set(out.split('\n').filter((l) => l.includes('|cairn-')).map((l) => l.split('|')[0])).size;
}
