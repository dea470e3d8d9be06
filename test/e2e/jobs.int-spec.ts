import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pb } from '@cairn/contracts';
import { GatewayError } from '@cairn/client';
import { type CairnStack, startCairnStack } from '@cairn/testing';
import { cairnSlurmJobCount, slurmJobsNamed, spec, stateOf, submit, waitForState, watchAll } from './job-helpers';

const S = pb.JobState;

describe('JobService end to end [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;

  beforeAll(async () => {
    stack = await startCairnStack();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('runs a containerised command in Slurm and streams PENDING, RUNNING, COMPLETED with exit 0 and its stdout', async () => {
    const jobId = await submit(stack.client, spec({ name: 'hello', command: ['/bin/sh', '-c', 'echo "hello from $(cat /etc/os-release 2>/dev/null | head -c 0)busybox"; uname -s'] }));
    const events = await watchAll(stack.client, jobId);
    expect(events.map((e) => stateOf(e.state))).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'COMPLETED']);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    const last = events[events.length - 1];
    expect(last?.exitCode).toBe(0);
    expect(last?.slurmJobId).toMatch(/^[0-9]+$/);

    const job = await stack.client.getJob(jobId);
    expect(job.state).toBe(S.JOB_STATE_COMPLETED);
    expect(job.imageDigest).toMatch(/^127\.0\.0\.1:5000\/lab\/busybox@sha256:[a-f0-9]{64}$/);
    expect(slurmJobsNamed(`cairn-${job.attemptId}`)).toEqual([job.slurmJobId]);

    const output = await stack.client.getJobOutput({ jobId });
    expect(Buffer.from(output.data).toString()).toBe('hello from busybox\nLinux\n');
    expect(output.truncated).toBe(false);
  });

  it('runs in a workspace, /cairn/work, that stays on the cluster filesystem with the job', async () => {
    const jobId = await submit(stack.client, spec({ command: ['/bin/sh', '-c', 'pwd; echo result > out.txt'] }));
    const events = await watchAll(stack.client, jobId);
    expect(stateOf(events[events.length - 1]?.state ?? 0)).toBe('COMPLETED');
    expect(Buffer.from((await stack.client.getJobOutput({ jobId })).data).toString()).toBe('/cairn/work\n');
    const job = await stack.client.getJob(jobId);
    expect(readFileSync(join(stack.dir, 'agent', 'attempts', job.attemptId, 'work', 'out.txt'), 'utf8')).toBe('result\n');
  });

  it('runs NumPy inside the Debian python-numpy image the dev cluster builds', async () => {
    const jobId = await submit(
      stack.client,
      spec({ image: 'lab/python-numpy:1', command: ['python3', '-c', 'import numpy as np; print(np.linalg.norm(np.arange(12.0).reshape(3, 4)).round(3))'] }),
    );
    const events = await watchAll(stack.client, jobId);
    expect(stateOf(events[events.length - 1]?.state ?? 0)).toBe('COMPLETED');
    expect(Buffer.from((await stack.client.getJobOutput({ jobId })).data).toString()).toBe('22.494\n');
  });

  it('runs a command over many items as ONE Slurm array job, and names the items that failed', async () => {
    const items = Array.from({ length: 10 }, (_, i) => String(i + 1));
    const array = { items, itemsPerElement: 4, throttle: 2 };
    const failing = await submit(stack.client, spec({ command: ['/bin/sh', '-c', 'echo "item $0"; test "$0" != 7', '${{ item }}'], array }));
    const events = await watchAll(stack.client, failing);
    expect(events.map((e) => stateOf(e.state))).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'FAILED']);
    expect(events[3]?.reason).toBe('1 of 10 items failed (6)');
    const job = await stack.client.getJob(failing);
    expect(slurmJobsNamed(`cairn-${job.attemptId}`).sort()).toEqual([0, 1, 2].map((k) => `${job.slurmJobId}_${k}`));
    expect(Buffer.from((await stack.client.getJobOutput({ jobId: failing })).data).toString()).toBe(items.map((i) => `item ${i}\n`).join(''));
    expect(job.spec?.array).toEqual({ items, itemsPerElement: 4, throttle: 2 });

    const passing = await submit(stack.client, spec({ command: ['/bin/echo', '${{ item }}'], array }));
    const done = await watchAll(stack.client, passing);
    expect(done.map((e) => [stateOf(e.state), e.reason, e.exitCode])).toContainEqual(['COMPLETED', '10 items completed', 0]);
  });

  it('reports a command exiting 3 as FAILED with exit code 3', async () => {
    const jobId = await submit(stack.client, spec({ command: ['/bin/sh', '-c', 'echo bad >&2; exit 3'] }));
    const events = await watchAll(stack.client, jobId);
    const last = events[events.length - 1];
    expect(stateOf(last?.state ?? 0)).toBe('FAILED');
    expect(last?.exitCode).toBe(3);
    const stderr = await stack.client.getJobOutput({ jobId, stream: pb.OutputStream.OUTPUT_STREAM_STDERR });
    expect(Buffer.from(stderr.data).toString()).toBe('bad\n');
  });

  it('says why when Slurm cannot start a job\'s script (its directory out of the job user\'s reach): FAILED with the reason, and jobs run again once it is fixed', async () => {
    const attempts = join(stack.dir, 'agent', 'attempts');
    const mode = statSync(attempts).mode & 0o777;
    chmodSync(attempts, 0o700);
    try {
      const jobId = await submit(stack.client, spec({ command: ['/bin/echo', 'never printed'] }));
      const events = await watchAll(stack.client, jobId);
      // Slurm lists the job as RUNNING from its allocation until the launch fails, so a poll
      // may catch it there; what matters is that it ends FAILED and never started the command.
      expect(events.map((e) => stateOf(e.state)).join(' ')).toMatch(/^ACCEPTED PENDING (RUNNING )?FAILED$/);
      const job = await stack.client.getJob(jobId);
      expect(job.reason).toMatch(/^FAILED(: \w+)?: Slurm could not start the job's script \(it wrote no start record\); slurmd's log on the node says why, often a directory the job's user cannot reach$/);
      expect(job.exitCode).toBeUndefined();
    } finally {
      chmodSync(attempts, mode);
    }
    const after = await submit(stack.client, spec({ command: ['/bin/echo', 'reachable again'] }));
    expect(stateOf((await watchAll(stack.client, after)).at(-1)?.state ?? 0)).toBe('COMPLETED');
  });

  it("refuses a person's job when their jobs could not reach the agent's directory (only alice's group may pass): FAILED naming the directory, nothing in Slurm; alice's jobs still run", async () => {
    const agentDir = join(stack.dir, 'agent');
    const before = statSync(agentDir);
    const aliceGroup = Number(execFileSync('id', ['-g', 'alice'], { encoding: 'utf8' }).trim());
    chownSync(agentDir, 0, aliceGroup);
    chmodSync(agentDir, 0o750);
    try {
      // bob has run nothing on this stack yet: the agent checks him now (then keeps the answer a while).
      const inSlurm = cairnSlurmJobCount(stack.dir);
      const refused = await submit(stack.clients.bob, spec({ name: 'out-of-reach', command: ['/bin/echo', 'never run'] }));
      const events = await watchAll(stack.clients.bob, refused);
      expect(events.map((e) => stateOf(e.state))).toEqual(['ACCEPTED', 'FAILED']);
      const job = await stack.clients.bob.getJob(refused);
      expect(job.reason).toBe(
        `the job could not be handed to site ${stack.site}: jobs cannot run as bob on this site: CAIRN_AGENT_WORK_DIR: bob cannot reach ${agentDir}: ${agentDir} is mode 750 (owner uid 0, group ${aliceGroup}), so no job could open its output there (chmod o+x ${agentDir}, or choose another directory)`,
      );
      expect(job.slurmJobId).toBe('');
      expect(cairnSlurmJobCount(stack.dir)).toBe(inSlurm);
      const passing = await submit(stack.client, spec({ name: 'in-reach', command: ['/bin/echo', 'alice passes'] }));
      expect(stateOf((await watchAll(stack.client, passing)).at(-1)?.state ?? 0)).toBe('COMPLETED');
    } finally {
      chownSync(agentDir, before.uid, before.gid);
      chmodSync(agentDir, before.mode & 0o777);
    }
  });

  it('cancels a running job: CANCELLED', async () => {
    const jobId = await submit(stack.client, spec({ command: ['/bin/sleep', '300'] }));
    await waitForState(stack.client, jobId, S.JOB_STATE_RUNNING);
    await stack.client.cancelJob(jobId);
    const job = await waitForState(stack.client, jobId, S.JOB_STATE_CANCELLED);
    expect(job.reason).toBe('cancelled by request');
    const events = await watchAll(stack.client, jobId);
    expect(events.map((e) => stateOf(e.state))).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'CANCELLED']);
  });

  it('stops a job over its time limit: TIMEOUT', async () => {
    const jobId = await submit(stack.client, spec({ command: ['/bin/sleep', '300'], resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 5, partition: '' } }));
    const events = await watchAll(stack.client, jobId);
    expect(events.map((e) => stateOf(e.state))).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'TIMEOUT']);
  });

  it('returns the same job for a repeated request id', async () => {
    const first = await submit(stack.client, spec({ command: ['/bin/true'] }), 'e2e-retry-1');
    const second = await submit(stack.client, spec({ command: ['/bin/true'] }), 'e2e-retry-1');
    expect(second).toBe(first);
    await watchAll(stack.client, first);
  });

  describe('bad requests: INVALID_ARGUMENT, a message naming the field, and no Slurm job', () => {
    const big = 'x'.repeat(5000);
    const cases: [string, pb.JobSpec, RegExp][] = [
      ['empty command', spec({ command: [] }), /spec\.command: must have at least one argument/],
      ['empty program', spec({ command: [''] }), /spec\.command: must start with a non-empty program name/],
      ['metacharacters in the image', spec({ image: 'busybox;rm -rf /', command: ['/bin/true'] }), /spec\.image: must be an image reference/],
      ['absurd cpus', spec({ command: ['/bin/true'], resources: { cpus: 5000, memoryMb: 1, timeLimitSeconds: 1, partition: '' } }), /spec\.resources\.cpus: must be at most 1024/],
      ['absurd memory', spec({ command: ['/bin/true'], resources: { cpus: 1, memoryMb: 20_000_000, timeLimitSeconds: 1, partition: '' } }), /spec\.resources\.memoryMb: must be at most/],
      ['absurd time limit', spec({ command: ['/bin/true'], resources: { cpus: 1, memoryMb: 1, timeLimitSeconds: 40 * 86_400, partition: '' } }), /spec\.resources\.timeLimitSeconds: must be at most 2592000/],
      ['an option hidden in the partition', spec({ command: ['/bin/true'], resources: { cpus: 1, memoryMb: 1, timeLimitSeconds: 1, partition: 'debug --uid=0' } }), /spec\.resources\.partition: must be a partition name/],
      ['a command substitution in the name', spec({ name: '$(touch /tmp/pwned)', command: ['/bin/true'] }), /spec\.name: must be a job name/],
      ['#SBATCH after a newline in the name', spec({ name: 'a\n#SBATCH --uid=0', command: ['/bin/true'] }), /spec\.name: must be a job name/],
      ['#SBATCH after a newline in an argument', spec({ command: ['/bin/echo', 'x\n#SBATCH --uid=0'] }), /spec\.command\[1\]: contains a newline/],
      ['a space in an env name', spec({ command: ['/bin/true'], env: { 'A B': '1' } }), /spec\.env\["A B"\]: must be a variable name/],
      ['a newline in an env value', spec({ command: ['/bin/true'], env: { A: '1\n#SBATCH --uid=0' } }), /spec\.env\.A: contains a newline/],
      ['a reserved env name', spec({ command: ['/bin/true'], env: { SLURM_JOB_ID: '1' } }), /must not start with SLURM_ or CAIRN_/],
      ['an oversized argument', spec({ command: ['/bin/echo', big] }), /spec\.command\[1\]: is 5000 bytes; at most 4096 allowed/],
      ['too many arguments', spec({ command: Array.from({ length: 300 }, () => 'a') }), /spec\.command: must have at most 256 arguments/],
      ['a bad site', spec({ site: 'Bad Site', command: ['/bin/true'] }), /spec\.site: must be a site name/],
      ['an unknown site', spec({ site: 'nowhere', command: ['/bin/true'] }), /spec\.site: unknown site "nowhere"/],
      ['an array without items', spec({ command: ['/bin/true'], array: { items: [], itemsPerElement: 1, throttle: 0 } }), /spec\.array\.items: must have at least one item/],
      ['a newline in an item', spec({ command: ['/bin/echo', '${{ item }}'], array: { items: ['a\n#SBATCH --uid=0'], itemsPerElement: 1, throttle: 0 } }), /spec\.array\.items\[0\]: contains a newline/],
      ['an array of too many elements', spec({ command: ['/bin/true'], array: { items: Array.from({ length: 2000 }, String), itemsPerElement: 1, throttle: 0 } }), /spec\.array: makes more than 1000 array elements/],
    ];

    it.each(cases)('%s', async (_what, badSpec, message) => {
      const before = cairnSlurmJobCount(stack.dir);
      const listed = (await stack.client.listJobs({ pageSize: 500 })).jobs.length;
      const error = await stack.client.submitJob({ spec: badSpec, requestId: '' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).codeName).toBe('INVALID_ARGUMENT');
      expect((error as GatewayError).message).toMatch(message);
      expect((await stack.client.listJobs({ pageSize: 500 })).jobs.length).toBe(listed);
      expect(cairnSlurmJobCount(stack.dir)).toBe(before);
    });

    it('a hostile request id', async () => {
      const error = await stack.client.submitJob({ spec: spec({ command: ['/bin/true'] }), requestId: '$(id)' }).catch((e: unknown) => e);
      expect((error as GatewayError).message).toMatch(/request_id: must be letters, digits/);
    });

    it('a malformed job id', async () => {
      const error = await stack.client.getJob('../../etc/passwd').catch((e: unknown) => e);
      expect((error as GatewayError).codeName).toBe('INVALID_ARGUMENT');
      expect((error as GatewayError).message).toBe('job_id: must be a UUID');
    });

    it('an unknown job id is NOT_FOUND', async () => {
      const error = await stack.client.getJob('00000000-0000-4000-8000-000000000000').catch((e: unknown) => e);
      expect((error as GatewayError).codeName).toBe('NOT_FOUND');
    });
  });

  it('passes shell syntax in arguments and env values literally; the batch script holds no user string', async () => {
    const marker = join(stack.dir, 'pwned');
    const hostile = [`$(touch ${marker})`, `; touch ${marker}`, `\`touch ${marker}\``, "it's \"quoted\" & <redirected>"];
    const jobId = await submit(
      stack.client,
      spec({ command: ['/bin/sh', '-c', 'printf "%s|" "$@"; printf "%s" "$TRICKY"', 'sh', ...hostile], env: { TRICKY: `$(touch ${marker})` } }),
    );
    const events = await watchAll(stack.client, jobId);
    expect(stateOf(events[events.length - 1]?.state ?? 0)).toBe('COMPLETED');
    const output = Buffer.from((await stack.client.getJobOutput({ jobId })).data).toString();
    expect(output).toBe(`${hostile.join('|')}|$(touch ${marker})`);
    expect(existsSync(marker)).toBe(false);
    const job = await stack.client.getJob(jobId);
    const script = readFileSync(join(stack.dir, 'agent', 'attempts', job.attemptId, 'job.sh'), 'utf8');
    expect(script).not.toContain('touch');
    expect(script.split('\n').filter((l) => l.startsWith('#SBATCH'))).toEqual([]);
  });

  it('pages through jobs and filters them by state', async () => {
    const page1 = await stack.client.listJobs({ pageSize: 2 });
    expect(page1.jobs).toHaveLength(2);
    expect(page1.nextPageToken).not.toBe('');
    const page2 = await stack.client.listJobs({ pageSize: 2, pageToken: page1.nextPageToken });
    const ids = new Set([...page1.jobs, ...page2.jobs].map((j) => j.jobId));
    expect(ids.size).toBe(page1.jobs.length + page2.jobs.length);
    const created = [...page1.jobs, ...page2.jobs].map((j) => j.createTime?.getTime() ?? 0);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const failed = await stack.client.listJobs({ states: [S.JOB_STATE_FAILED] });
    expect(failed.jobs.length).toBeGreaterThanOrEqual(1);
    expect(failed.jobs.every((j) => j.state === S.JOB_STATE_FAILED)).toBe(true);
  });

  it('survives the agent being killed (SIGKILL) while a job runs: one Slurm job, final state still arrives', async () => {
    const jobId = await submit(stack.client, spec({ command: ['/bin/sh', '-c', 'sleep 6; echo survived'] }));
    const running = await waitForState(stack.client, jobId, S.JOB_STATE_RUNNING);
    await stack.services.agent.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    await stack.services.agent.start();
    const events = await watchAll(stack.client, jobId);
    expect(events.map((e) => stateOf(e.state))).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'COMPLETED']);
    expect(slurmJobsNamed(`cairn-${running.attemptId}`)).toEqual([running.slurmJobId]);
    expect(Buffer.from((await stack.client.getJobOutput({ jobId })).data).toString()).toBe('survived\n');
  });

  it('survives the scheduler being killed (SIGKILL) while a job runs: one Slurm job, final state still arrives', async () => {
    const jobId = await submit(stack.client, spec({ command: ['/bin/sh', '-c', 'sleep 6; exit 7'] }));
    const running = await waitForState(stack.client, jobId, S.JOB_STATE_RUNNING);
    await stack.services.scheduler.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    await stack.services.scheduler.start();
    const events = await watchAll(stack.client, jobId);
    expect(events.map((e) => stateOf(e.state))).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'FAILED']);
    expect(events[3]?.exitCode).toBe(7);
    expect(slurmJobsNamed(`cairn-${running.attemptId}`)).toEqual([running.slurmJobId]);
  });

  it('accepts jobs while the agent is down and runs them once it is back', async () => {
    await stack.services.agent.kill('SIGKILL');
    const jobId = await submit(stack.client, spec({ command: ['/bin/echo', 'queued while down'] }));
    await new Promise((r) => setTimeout(r, 1500));
    expect(stateOf((await stack.client.getJob(jobId)).state)).toBe('ACCEPTED');
    await stack.services.agent.start();
    const events = await watchAll(stack.client, jobId);
    expect(stateOf(events[events.length - 1]?.state ?? 0)).toBe('COMPLETED');
    const job = await stack.client.getJob(jobId);
    expect(slurmJobsNamed(`cairn-${job.attemptId}`)).toHaveLength(1);
  });
});
