import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandFailedError, ProcessRepository } from '@cairn/adapters/process';
import { type BatchJob, classifySlurmState, InvalidBatchJobError, type SlurmJobInfo, type SlurmStateClass, SlurmRepository } from '../src';
import { RecordingProcessRepository, testEnv, waitFor } from '@cairn/testing';

/** The real ProcessRepository, remembering which programs it started (to count controller calls). */
describe('SlurmRepository [real: sbatch, squeue, scancel, scontrol, slurmctld, slurmd]', () => {
  const { partition } = testEnv();
  const processes = new ProcessRepository();
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-slurm-int-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** A job in its own directory running `body` with /bin/sh; name and comment are `cairn-<uuid>`. */
  function batchJob(body: string, overrides: Partial<BatchJob> = {}): BatchJob {
    const name = `cairn-${randomUUID()}`;
    const jobDir = mkdtempSync(join(dir, 'job-'));
    const scriptPath = join(jobDir, 'job.sh');
    writeFileSync(scriptPath, `#!/bin/sh\n${body}\n`);
    chmodSync(scriptPath, 0o755);
    return {
      name,
      comment: name,
      scriptPath,
      workDir: jobDir,
      stdoutPath: join(jobDir, 'stdout'),
      stderrPath: join(jobDir, 'stderr'),
      cpus: 1,
      memoryMb: 64,
      timeLimitSeconds: 120,
      partition,
      ...overrides,
    };
  }

  async function findJob(slurm: SlurmRepository, name: string): Promise<SlurmJobInfo | undefined> {
    return (await slurm.listJobs()).find((j) => j.name === name);
  }

  function waitForClass(slurm: SlurmRepository, name: string, wanted: SlurmStateClass, timeoutMs = 60_000): Promise<SlurmJobInfo> {
    return waitFor(
      `${name} ${wanted}`,
      async () => {
        const job = await findJob(slurm, name);
        return job && classifySlurmState(job.state) === wanted ? job : undefined;
      },
      timeoutMs,
      200,
    );
  }

  it('submits a batch script that runs, and listJobs follows it by name to COMPLETED', async () => {
    const slurm = new SlurmRepository(processes);
    const job = batchJob('echo "hello from $SLURM_JOB_ID"; sleep 2');

    const jobId = await slurm.submit(job);
    expect(jobId).toMatch(/^[0-9]+$/);

    const seen: SlurmStateClass[] = [];
    const done = await waitFor(
      `${job.name} to finish`,
      async () => {
        const info = await findJob(slurm, job.name);
        const cls = info && classifySlurmState(info.state);
        if (cls && seen[seen.length - 1] !== cls) seen.push(cls);
        return cls === 'COMPLETED' ? info : undefined;
      },
      60_000,
      100,
    );

    expect(done).toMatchObject({ jobId, name: job.name, comment: job.comment, state: 'COMPLETED', user: 'root' });
    expect(done.nodes).not.toBe('');
    // Never backwards: an optional PENDING (it may start before the first poll), RUNNING while it sleeps, COMPLETED.
    expect(seen[seen.length - 1]).toBe('COMPLETED');
    expect(seen.filter((s) => s !== 'PENDING')).toEqual(['RUNNING', 'COMPLETED']);
    expect(seen.indexOf('PENDING')).toBeLessThanOrEqual(0);
    expect(readFileSync(job.stdoutPath, 'utf8')).toBe(`hello from ${jobId}\n`);
  });

  it('runs a job as another user (runAs): its uid, gid and groups, a clean environment, and squeue names the user', async () => {
    const slurm = new SlurmRepository(processes);
    const { jobUser } = testEnv();
    const [uid, gid] = ['-u', '-g'].map((flag) => execFileSync('id', [flag, jobUser], { encoding: 'utf8' }).trim());
    chmodSync(dir, 0o711);
    const job = batchJob('echo "ids=$(id -u):$(id -g):$(id -G)"; echo "home=${HOME:-}"; env | grep -c SUBMITTER_SECRET; true', { runAs: { user: jobUser, group: jobUser } });
    chownSync(job.workDir, Number(uid), Number(gid));
    // What the submitter (the agent) has in its environment must not reach the job.
    process.env['SUBMITTER_SECRET'] = 'nats-password';
    let jobId: string;
    try {
      jobId = await slurm.submit(job);
    } finally {
      delete process.env['SUBMITTER_SECRET'];
    }
    const done = await waitForClass(slurm, job.name, 'COMPLETED');
    expect(done).toMatchObject({ jobId, user: jobUser });
    const out = readFileSync(job.stdoutPath, 'utf8');
    expect(out).toContain(`ids=${uid}:${gid}:${gid}\n`);
    expect(out).not.toMatch(/home=\/root/);
    expect(out.trim().split('\n').at(-1)).toBe('0');
    expect(statSync(job.stdoutPath).uid).toBe(Number(uid));
  });

  it('gives sbatch the time limit, cpus, memory, directory and output paths (as scontrol shows them)', async () => {
    const slurm = new SlurmRepository(processes);
    const job = batchJob('sleep 1', { cpus: 2, memoryMb: 96, timeLimitSeconds: 3 * 3600 + 60 });

    const jobId = await slurm.submit(job);
    const { stdout } = await processes.check('scontrol', ['show', 'job', jobId]);

    expect(stdout).toContain(`JobId=${jobId} JobName=${job.name}`);
    expect(stdout).toContain(`Comment=${job.comment}`);
    expect(stdout).toContain('TimeLimit=03:01:00');
    expect(stdout).toMatch(/\bNumCPUs=2\b/);
    expect(stdout).toMatch(/\bNumTasks=1\b/);
    expect(stdout).toMatch(/\bMinMemoryNode=96M\b/);
    expect(stdout).toContain(`Partition=${partition}`);
    expect(stdout).toContain(`WorkDir=${job.workDir}`);
    expect(stdout).toContain(`StdOut=${job.stdoutPath}`);
    expect(stdout).toContain(`StdErr=${job.stderrPath}`);
    await waitForClass(slurm, job.name, 'COMPLETED');
  });

  it('gives a 90 s job a 00:02:00 limit: Slurm counts time limits in whole minutes, rounded up', async () => {
    const slurm = new SlurmRepository(processes);
    const job = batchJob('true', { timeLimitSeconds: 90 });

    const jobId = await slurm.submit(job);
    const { stdout } = await processes.check('scontrol', ['show', 'job', jobId]);

    expect(stdout).toContain('TimeLimit=00:02:00');
    await waitForClass(slurm, job.name, 'COMPLETED');
  });

  it('cancels a running job: listJobs reports it CANCELLED', async () => {
    const slurm = new SlurmRepository(processes);
    const job = batchJob('sleep 300');
    const jobId = await slurm.submit(job);
    await waitForClass(slurm, job.name, 'RUNNING');

    await slurm.cancel(jobId);

    const cancelled = await waitForClass(slurm, job.name, 'CANCELLED', 30_000);
    expect(cancelled.jobId).toBe(jobId);
    expect(slurm.calls.scancel).toBe(1);
  });

  it('refuses a job for a partition that does not exist, naming the partition, and nothing is queued', async () => {
    const slurm = new SlurmRepository(processes);
    const missing = `nopart${randomUUID().slice(0, 8)}`;
    const job = batchJob('true', { partition: missing });

    const submitted = slurm.submit(job);
    await expect(submitted).rejects.toThrow(CommandFailedError);
    await expect(submitted).rejects.toThrow(new RegExp(`invalid partition specified: ${missing}`));
    expect(await findJob(slurm, job.name)).toBeUndefined();
  });

  it('refuses unsafe values before starting sbatch, and a malformed job id before starting scancel', async () => {
    const processesSeen = new RecordingProcessRepository();
    const slurm = new SlurmRepository(processesSeen);

    await expect(slurm.submit(batchJob('true', { name: 'x\n#SBATCH --uid=0' }))).rejects.toThrow(InvalidBatchJobError);
    await expect(slurm.submit(batchJob('true', { partition: `${partition} --uid=0` }))).rejects.toThrow(InvalidBatchJobError);
    await expect(slurm.cancel('1; scancel --user=root')).rejects.toThrow(/invalid Slurm job id/);

    expect(processesSeen.started).toEqual([]);
    expect(slurm.calls).toEqual({ sbatch: 0, squeue: 0, scancel: 0 });
  });

  it('counts one squeue call, and starts one squeue process, per listJobs', async () => {
    const processesSeen = new RecordingProcessRepository();
    const slurm = new SlurmRepository(processesSeen);

    await slurm.listJobs();
    await slurm.listJobs();
    await slurm.listJobs();

    expect(slurm.calls).toEqual({ sbatch: 0, squeue: 3, scancel: 0 });
    expect(processesSeen.started).toEqual(['squeue', 'squeue', 'squeue']);
  });
});

describe('SlurmRepository.clusterLimits [real: scontrol, slurmctld]', () => {
  it('reads MaxArraySize and MaxJobCount from the controller', async () => {
    const limits = await new SlurmRepository(new ProcessRepository()).clusterLimits();
    expect(limits).toEqual({ maxArraySize: 1001, maxJobCount: 100000 });
  });
});

describe('SlurmRepository.partitions [real: sinfo, slurmctld]', () => {
  it('lists the dev partition as the default, up, with this node’s CPUs and memory', async () => {
    const partitions = await new SlurmRepository(new ProcessRepository()).partitions();
    const debug = partitions.find((p) => p.name === testEnv().partition);
    expect(debug).toMatchObject({ isDefault: true, up: true, nodes: 1, maxTimeSeconds: null, gres: [] });
    expect(debug?.cpusPerNode).toBeGreaterThanOrEqual(1);
    expect(debug?.memoryMbPerNode).toBeGreaterThan(100);
    // The dev partition oversubscribes each CPU four times (OverSubscribe=FORCE:4).
    expect(debug?.jobSlots).toBe((debug?.cpusPerNode ?? 0) * 4);
  });
});
