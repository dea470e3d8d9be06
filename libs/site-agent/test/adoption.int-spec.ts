import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRepository } from '@cairn/adapters/process';
import { type BatchJob, SlurmRepository } from '@cairn/adapters/slurm';
import { testEnv } from '@cairn/testing';
import { attemptStatusSchema } from '../src/attempt-store';
import { findAdoptable, slurmJobComment, slurmJobName } from '../src/attempt-submitter';

describe('adoption after a restart [real: sbatch --uid, squeue, slurmctld, slurmd]', () => {
  const slurm = new SlurmRepository(new ProcessRepository());
  const { jobUser, partition } = testEnv();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-adopt-'));
  chmodSync(dir, 0o1777);
  const script = join(dir, 'job.sh');
  writeFileSync(script, '#!/bin/sh\nsleep 1\n', { mode: 0o755 });
  const job = (name: string, comment: string, runAs?: BatchJob['runAs']): BatchJob => ({
    name,
    comment,
    scriptPath: script,
    workDir: dir,
    stdoutPath: '/dev/null',
    stderrPath: '/dev/null',
    cpus: 1,
    memoryMb: 32,
    timeLimitSeconds: 60,
    partition,
    ...(runAs ? { runAs } : {}),
  });

  it('never adopts a job someone submitted by hand under the attempt’s name, even with its comment; adopts the job user’s first', async () => {
    const attempt = { id: randomUUID(), status: attemptStatusSchema.parse({ nonce: randomBytes(16).toString('hex'), submitting: true }) };
    const name = slurmJobName(attempt.id);
    const comment = slurmJobComment(attempt);
    // A user (root here) submits a job named like the attempt: without, then with the nonce (read from squeue).
    await slurm.submit(job(name, name));
    await slurm.submit(job(name, comment));
    // The job user's job without the nonce: not the agent's either.
    await slurm.submit(job(name, name, { user: jobUser, group: jobUser }));
    expect(findAdoptable(await slurm.listJobs(), attempt, jobUser)).toBeUndefined();

    // The agent's submission, then a later copy made as the job user: the first is adopted.
    const mine = await slurm.submit(job(name, comment, { user: jobUser, group: jobUser }));
    await slurm.submit(job(name, comment, { user: jobUser, group: jobUser }));
    const jobs = await slurm.listJobs();
    expect(jobs.filter((j) => j.name === name)).toHaveLength(5);
    expect(findAdoptable(jobs, attempt, jobUser)?.jobId).toBe(mine);
  });
});
