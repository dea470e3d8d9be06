import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pb } from '@cairn/contracts';
import { READ_MODEL_CONFIRM_MS } from '@cairn/jobs-api';
import { AuditClient, JobsClient, WorkflowsClient } from '@cairn/client';
import { type CairnStack, startCairnStack, waitFor } from '@cairn/testing';
import { runCli } from './cli-login-helpers';
import { refusal } from './gateway-refusal';
import { spec, untilNoLiveSlurmJobs } from './job-helpers';

type Person = 'alice' | 'bob' | 'carol';


/** Reads a watch to its end (or its refusal); returns how many events came. */
async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let events = 0;
  for await (const event of stream) if (event) events += 1;
  return events;
}

const workflow = (name: string) => `version: 1
name: ${name}
defaults: { image: lab/busybox:1.36, resources: { time: 5m } }
steps:
  wait: { command: [sleep, "600"] }
`;

describe('who sees and touches what, end to end [real: gateway, scheduler, agent, dev IdP, nats-server with per-service users, PostgreSQL, slurmctld with slurmdbd]', () => {
  let stack: CairnStack;
  let jobs: Record<Person, JobsClient>;
  let flows: Record<Person, WorkflowsClient>;
  let audit: Record<Person, AuditClient>;
  const tag = `acc${randomUUID().slice(0, 8)}`;
  const since = new Date();
  /** What alice and bob made: jobs and runs, on which account. */
  const made: Record<'aliceLab' | 'aliceGenomics' | 'bobs', { job: string; run: string }> = {
    aliceLab: { job: '', run: '' },
    aliceGenomics: { job: '', run: '' },
    bobs: { job: '', run: '' },
  };
  const missing = randomUUID();

  beforeAll(async () => {
    stack = await startCairnStack();
    const people: Person[] = ['alice', 'bob', 'carol'];
    jobs = Object.fromEntries(people.map((p) => [p, new JobsClient(stack.grpcAddress, stack.clientOptions(p))])) as Record<Person, JobsClient>;
    flows = Object.fromEntries(people.map((p) => [p, new WorkflowsClient(stack.grpcAddress, stack.clientOptions(p))])) as Record<Person, WorkflowsClient>;
    audit = Object.fromEntries(people.map((p) => [p, new AuditClient(stack.grpcAddress, stack.clientOptions(p))])) as Record<Person, AuditClient>;
    const sleepy = (name: string) => spec({ name: `${tag}-j-${name}`, command: ['/bin/sleep', '600'] });
    const job = async (who: Person, name: string, account?: string) => {
      const { job: record } = await jobs[who].submitJob({ spec: sleepy(name), requestId: '', ...(account ? { account } : {}) });
      if (!record) throw new Error('no job');
      return record.jobId;
    };
    const run = async (who: Person, name: string, account?: string) => {
      const { workflow: record } = await flows[who].submitWorkflow({ source: workflow(`${tag}-w-${name}`), fileName: 'w.yaml', ...(account ? { account } : {}) });
      if (!record) throw new Error('no run');
      return record.runId;
    };
    made.aliceLab = { job: await job('alice', 'lab'), run: await run('alice', 'lab') };
    made.aliceGenomics = { job: await job('alice', 'gen', 'genomics'), run: await run('alice', 'gen', 'genomics') };
    made.bobs = { job: await job('bob', 'bob'), run: await run('bob', 'bob') };
  }, 180_000);

  afterAll(async () => {
    // Nothing left running in Slurm: carol (an admin) cancels everything this suite made.
    for (const { job, run } of Object.values(made)) {
      if (job) await jobs.carol.cancelJob(job).catch(() => undefined);
      if (run) await flows.carol.cancelWorkflow(run).catch(() => undefined);
    }
    // The agent delivers the cancels after the calls answer: the stack stops once Slurm has done them.
    if (stack) await untilNoLiveSlurmJobs(stack.dir);
    for (const client of [...Object.values(jobs ?? {}), ...Object.values(flows ?? {}), ...Object.values(audit ?? {})]) client.close();
    await stack?.stop();
  }, 120_000);

  it('records each job and run with its owner (identity and POSIX user) and account: the default, or the one asked for', async () => {
    const lab = await jobs.alice.getJob(made.aliceLab.job);
    expect(lab.owner).toMatchObject({ name: 'alice', posixUser: 'alice' });
    expect(lab.owner?.issuer).toBe(stack.idp.issuer);
    expect(lab.account).toBe('alice-lab');
    expect((await jobs.alice.getJob(made.aliceGenomics.job)).account).toBe('genomics');
    expect((await jobs.bob.getJob(made.bobs.job)).account).toBe('genomics');
    const run = await flows.alice.getWorkflow(made.aliceGenomics.run);
    expect(run.owner).toMatchObject({ name: 'alice', posixUser: 'alice' });
    expect(run.account).toBe('genomics');
  });

  it('answers bob NOT_FOUND on every RPC for alice\'s own job and run, exactly as for an id that does not exist', async () => {
    const { job, run } = made.aliceLab;
    const same = async (call: (id: string) => Promise<unknown>, id: string) => {
      const hidden = await refusal(() => call(id));
      const absent = await refusal(() => call(missing));
      expect(hidden.codeName).toBe('NOT_FOUND');
      expect(absent.codeName).toBe('NOT_FOUND');
      expect(hidden.message.replace(id, '<id>')).toBe(absent.message.replace(missing, '<id>'));
    };
    await same((id) => jobs.bob.getJob(id), job);
    await same((id) => drain(jobs.bob.watchJob(id)), job);
    await same((id) => jobs.bob.getJobOutput({ jobId: id }), job);
    await same((id) => jobs.bob.cancelJob(id), job);
    // Alice's read first: the gateway's memory holds her run (and job), and still never shows them to bob.
    await flows.alice.getWorkflow(run);
    await jobs.alice.getJob(job);
    await same((id) => flows.bob.getWorkflow(id), run);
    await same((id) => drain(flows.bob.watchWorkflow(id)), run);
    await same((id) => flows.bob.cancelWorkflow(id), run);
    // Nothing changed: alice's job and run still go on.
    expect((await jobs.alice.getJob(job)).state).not.toBe(pb.JobState.JOB_STATE_CANCELLED);
    expect((await flows.alice.getWorkflow(run)).state).toBe(pb.WorkflowState.WORKFLOW_STATE_RUNNING);
  });

  it("finds every job right after its acknowledged SubmitJob, by GetJob and in ListJobs (16 in flight, read model and list memory), shows bob none of alice's alice-lab ones (NOT_FOUND, audited; never in his lists) and carol all, and ends on the scheduler's records", async () => {
    const quick = (n: number, account?: string) => jobs.alice.submitJob({ spec: spec({ name: `${tag}-r-${n}`, command: ['/bin/true'] }), requestId: '', ...(account ? { account } : {}) });
    const page = async (who: Person) => (await jobs[who].listJobs({ namePrefix: `${tag}-r-`, pageSize: 50 })).jobs;
    const read = await Promise.all(
      Array.from({ length: 16 }, async (_, n) => {
        const { job } = await quick(n, n % 4 === 0 ? 'genomics' : undefined);
        if (!job) throw new Error('no job');
        // The reads follow the acknowledgement at once, while the other submissions (and lists) go on.
        const [own, admin, ownList, bobList] = await Promise.all([jobs.alice.getJob(job.jobId), jobs.carol.getJob(job.jobId), page('alice'), page('bob')]);
        const bob = await jobs.bob.getJob(job.jobId).then(
          (found) => ({ found: found.jobId }),
          (error: unknown) => ({ refused: error }),
        );
        return { submitted: job, own, admin, bob, ownList, bobList };
      }),
    );
    const absent = await refusal(() => jobs.bob.getJob(missing));
    for (const { submitted, own, admin, bob, ownList, bobList } of read) {
      expect(ownList.map((j) => j.jobId)).toContain(submitted.jobId);
      expect(bobList.filter((j) => j.account !== 'genomics' || j.owner?.posixUser !== 'alice')).toEqual([]);
      expect(own.jobId).toBe(submitted.jobId);
      expect(own.owner?.posixUser).toBe('alice');
      expect(admin.jobId).toBe(submitted.jobId);
      // A member of the project the job is charged to reads it; anyone else gets NOT_FOUND, as for a missing id.
      if (submitted.account === 'genomics') expect(bob).toEqual({ found: submitted.jobId });
      else expect(bob).toEqual({ refused: expect.objectContaining({ codeName: 'NOT_FOUND', message: absent.message.replace(missing, submitted.jobId) }) });
    }
    const hidden = read.filter((r) => r.submitted.account === 'alice-lab').map((r) => r.submitted.jobId);
    expect(hidden).toHaveLength(12);
    const audited = (await audit.carol.list({ since, outcome: 'NOT_FOUND', pageSize: 500 })).events.filter((e) => e.posixUser === 'bob' && e.rpc === '/cairn.v1.JobService/GetJob');
    for (const id of hidden) expect([id, audited.some((e) => e.ids.includes(id))]).toEqual([id, true]);
    // Once finished (the changes reach the gateway on CAIRN_JOB_EVENTS), GetJob answers the scheduler's record.
    const listed = async () => (await jobs.alice.listJobs({ namePrefix: `${tag}-r-`, pageSize: 50 })).jobs;
    await waitFor('the 16 jobs to finish', async () => {
      const all = await listed();
      return all.length === 16 && all.every((j) => j.state === pb.JobState.JOB_STATE_COMPLETED) ? true : undefined;
    }, 120_000, 500);
    for (const job of await listed()) {
      await waitFor(`GetJob of ${job.jobId} to show it finished`, async () => ((await jobs.alice.getJob(job.jobId)).state === job.state ? true : undefined), 10_000, 100);
      expect(await jobs.alice.getJob(job.jobId)).toEqual(job);
    }
  }, 180_000);

  it('answers GetJobs in flight together on records the read model must confirm again (unfinished, over READ_MODEL_CONFIRM_MS old) as one at a time: each person exactly what they may read', async () => {
    const { job: lab } = made.aliceLab;
    const { job: gen } = made.aliceGenomics;
    // Nothing confirms a running job's record meanwhile: the first reads below miss the model together (JobReadJoins).
    await new Promise((resolve) => setTimeout(resolve, READ_MODEL_CONFIRM_MS + 300));
    // alice asks first for each job, so bob's reads of her alice-lab job join a request of hers.
    const people: Person[] = ['alice', 'bob', 'carol'];
    const calls = Array.from({ length: 30 }, (_, n) => ({ who: people[n % 3] as Person, jobId: n % 2 === 0 ? lab : gen }));
    const answers = await Promise.all(
      calls.map(({ who, jobId }) =>
        jobs[who].getJob(jobId).then(
          (job) => ({ jobId: job.jobId, owner: job.owner?.posixUser, account: job.account, live: [pb.JobState.JOB_STATE_PENDING, pb.JobState.JOB_STATE_RUNNING].includes(job.state) }),
          (error: unknown) => ({ refused: (error as { codeName?: string }).codeName }),
        ),
      ),
    );
    calls.forEach(({ who, jobId }, n) => {
      // bob is no member of alice-lab: NOT_FOUND, as alone; genomics is his project.
      if (who === 'bob' && jobId === lab) expect([who, jobId, answers[n]]).toEqual([who, jobId, { refused: 'NOT_FOUND' }]);
      else expect([who, jobId, answers[n]]).toEqual([who, jobId, { jobId, owner: 'alice', account: jobId === lab ? 'alice-lab' : 'genomics', live: true }]);
    });
  });

  it('lists for bob his own work and his project\'s (genomics), never alice\'s alice-lab work; carol sees everything', async () => {
    // (Jobs named `${tag}-j-*`: the runs' own jobs, `${tag}-w-*.wait`, follow the same rule.)
    const jobIds = async (who: Person) => (await jobs[who].listJobs({ namePrefix: `${tag}-j-`, pageSize: 10 })).jobs.map((j) => j.jobId).sort();
    const runIds = async (who: Person) => (await flows[who].listWorkflows({ namePrefix: `${tag}-w-`, pageSize: 10 })).workflows.map((w) => w.runId).sort();
    expect(await jobIds('bob')).toEqual([made.aliceGenomics.job, made.bobs.job].sort());
    expect(await runIds('bob')).toEqual([made.aliceGenomics.run, made.bobs.run].sort());
    expect(await jobIds('carol')).toEqual([made.aliceLab.job, made.aliceGenomics.job, made.bobs.job].sort());
    expect(await runIds('carol')).toEqual([made.aliceLab.run, made.aliceGenomics.run, made.bobs.run].sort());
    expect(await jobIds('alice')).toEqual([made.aliceLab.job, made.aliceGenomics.job, made.bobs.job].sort());
    // Asked again (the gateway answers from its memory of pages while nothing changed): the same, per scope.
    expect(await jobIds('bob')).toEqual([made.aliceGenomics.job, made.bobs.job].sort());
    expect(await jobIds('carol')).toEqual([made.aliceLab.job, made.aliceGenomics.job, made.bobs.job].sort());
    expect(await runIds('bob')).toEqual([made.aliceGenomics.run, made.bobs.run].sort());
    expect(await runIds('alice')).toEqual([made.aliceLab.run, made.aliceGenomics.run, made.bobs.run].sort());
    // Paging stays exact under the filter: one row a page.
    const paged: string[] = [];
    let pageToken = '';
    do {
      const page = await jobs.bob.listJobs({ namePrefix: `${tag}-j-`, pageSize: 1, pageToken });
      paged.push(...page.jobs.map((j) => j.jobId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(paged.sort()).toEqual([made.aliceGenomics.job, made.bobs.job].sort());
    // A run's jobs belong to the run's owner and account: bob sees his run's and the genomics run's, not alice-lab's.
    const runJobs = async (who: Person) => (await jobs[who].listJobs({ namePrefix: `${tag}-w-`, pageSize: 10 })).jobs.map((j) => `${j.owner?.posixUser}:${j.account}`).sort();
    await waitFor('the runs\' first jobs', async () => ((await runJobs('carol')).length === 3 ? true : undefined), 60_000, 300);
    expect(await runJobs('bob')).toEqual(['alice:genomics', 'bob:genomics']);
    expect(await runJobs('carol')).toEqual(['alice:alice-lab', 'alice:genomics', 'bob:genomics']);
  });

  it('lets bob read alice\'s genomics work but not cancel it (PERMISSION_DENIED); carol reads anything', async () => {
    const { job, run } = made.aliceGenomics;
    expect((await jobs.bob.getJob(job)).jobId).toBe(job);
    expect((await flows.bob.getWorkflow(run)).runId).toBe(run);
    const cancelJob = await refusal(() => jobs.bob.cancelJob(job));
    expect(cancelJob.codeName).toBe('PERMISSION_DENIED');
    expect(cancelJob.message).toContain('only its owner or an admin may cancel it');
    expect((await refusal(() => flows.bob.cancelWorkflow(run))).codeName).toBe('PERMISSION_DENIED');
    expect((await flows.alice.getWorkflow(run)).state).toBe(pb.WorkflowState.WORKFLOW_STATE_RUNNING);
    expect((await jobs.carol.getJob(made.aliceLab.job)).jobId).toBe(made.aliceLab.job);
    expect((await flows.carol.getWorkflow(made.aliceLab.run)).runId).toBe(made.aliceLab.run);
  });

  it('refuses bob charging alice-lab (PERMISSION_DENIED naming it and his accounts) and records no job or run', async () => {
    const stolenJob = await refusal(() => jobs.bob.submitJob({ spec: spec({ name: `${tag}-j-stolen`, command: ['/bin/true'] }), requestId: '', account: 'alice-lab' }));
    expect(stolenJob.codeName).toBe('PERMISSION_DENIED');
    expect(stolenJob.message).toContain('"alice-lab"');
    expect(stolenJob.message).toContain('genomics');
    const stolenRun = await refusal(() => flows.bob.submitWorkflow({ source: workflow(`${tag}-w-stolen`), account: 'alice-lab' }));
    expect(stolenRun.codeName).toBe('PERMISSION_DENIED');
    expect((await jobs.carol.listJobs({ namePrefix: `${tag}-j-stolen` })).jobs).toEqual([]);
    expect((await flows.carol.listWorkflows({ namePrefix: `${tag}-w-stolen` })).workflows).toEqual([]);
  });

  it('keeps the audit log for carol only: bob is refused with PERMISSION_DENIED', async () => {
    const refused = await refusal(() => audit.bob.list({}));
    expect(refused.codeName).toBe('PERMISSION_DENIED');
    expect(refused.message).toContain('the audit log is for admins only');
  });

  it('shows the log with `cairn audit` to carol, and refuses bob (exit 1, PERMISSION_DENIED)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cairn-audit-cli-'));
    const caFile = join(home, 'ca.pem');
    writeFileSync(caFile, stack.ca, { mode: 0o644 });
    const tokenFile = (who: Person) => {
      const file = join(home, `${who}.token`);
      writeFileSync(file, stack.tokens[who], { mode: 0o600 });
      return file;
    };
    const env = { XDG_CONFIG_HOME: home, CAIRN_ISSUER: stack.idp.issuer, CAIRN_GATEWAY: stack.grpcAddress, CAIRN_GRPC_CA: caFile };
    const carol = await runCli(['--token-file', tokenFile('carol'), 'audit', '--outcome', 'permission_denied', '--since', since.toISOString(), '--json', '--limit', '500'], env);
    expect(carol.stderr).toBe('');
    expect(carol.code).toBe(0);
    const events = carol.stdout.trim().split('\n').map((line) => JSON.parse(line) as { posixUser: string; rpc: string; outcome: string });
    expect(events.some((e) => e.posixUser === 'bob' && e.rpc === '/cairn.v1.JobService/CancelJob')).toBe(true);
    expect(events.every((e) => e.outcome === 'PERMISSION_DENIED')).toBe(true);
    const table = await runCli(['--token-file', tokenFile('carol'), 'audit', '--limit', '3'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME +OUTCOME +WHO +CALL +IDS +FROM +REASON/);
    const bob = await runCli(['--token-file', tokenFile('bob'), 'audit'], env);
    expect(bob.code).toBe(1);
    expect(bob.stderr).toContain('PERMISSION_DENIED: the audit log is for admins only');
  }, 60_000);

  it('leaves an audit record of every case above, and of a call with no token, readable by carol', async () => {
    const anonymous = new JobsClient(stack.grpcAddress, { ca: stack.ca });
    try {
      expect((await refusal(() => anonymous.getJob(made.aliceLab.job))).codeName).toBe('UNAUTHENTICATED');
    } finally {
      anonymous.close();
    }
    const all = async () => {
      const events: pb.AuditEvent[] = [];
      let pageToken = '';
      do {
        const page = await audit.carol.list({ since, pageSize: 500, pageToken });
        events.push(...page.events);
        pageToken = page.nextPageToken;
      } while (pageToken);
      return events;
    };
    const has = (events: pb.AuditEvent[], who: string, rpc: string, outcome: string, id?: string) =>
      events.some((e) => e.posixUser === who && e.rpc === `/cairn.v1.${rpc}` && e.outcome === outcome && (id === undefined || e.ids.includes(id)));
    // The door's refusals travel through JetStream to the table: wait for the one with no token.
    await waitFor('the audit record of the call with no token', async () => ((await all()).some((e) => e.outcome === 'UNAUTHENTICATED' && e.ids.includes(made.aliceLab.job)) ? true : undefined), 30_000, 500);
    const events = await all();
    const { job, run } = made.aliceLab;
    expect(has(events, 'alice', 'JobService/SubmitJob', 'OK', job)).toBe(true);
    expect(has(events, 'alice', 'WorkflowService/SubmitWorkflow', 'OK', run)).toBe(true);
    for (const rpc of ['JobService/GetJob', 'JobService/WatchJob', 'JobService/GetJobOutput', 'JobService/CancelJob']) expect([rpc, has(events, 'bob', rpc, 'NOT_FOUND', job)]).toEqual([rpc, true]);
    for (const rpc of ['WorkflowService/GetWorkflow', 'WorkflowService/WatchWorkflow', 'WorkflowService/CancelWorkflow']) expect([rpc, has(events, 'bob', rpc, 'NOT_FOUND', run)]).toEqual([rpc, true]);
    expect(has(events, 'bob', 'JobService/CancelJob', 'PERMISSION_DENIED', made.aliceGenomics.job)).toBe(true);
    expect(has(events, 'bob', 'WorkflowService/CancelWorkflow', 'PERMISSION_DENIED', made.aliceGenomics.run)).toBe(true);
    expect(has(events, 'bob', 'JobService/SubmitJob', 'PERMISSION_DENIED')).toBe(true);
    expect(has(events, 'bob', 'WorkflowService/SubmitWorkflow', 'PERMISSION_DENIED')).toBe(true);
    expect(has(events, 'bob', 'AuditService/ListAuditEvents', 'PERMISSION_DENIED')).toBe(true);
    // From where: the gateway's view of the caller's address.
    // From where: the gateway's view of the caller's address, or the engine submitting bob's run's job for him.
    const places = new Set(events.filter((e) => e.posixUser === 'bob').map((e) => (e.peer.startsWith('workflow-engine') ? e.peer : e.peer.replace(/:[0-9]+$/, ''))));
    expect(places.size).toBe(2);
    expect(places.has(`workflow-engine run ${made.bobs.run}`)).toBe(true);
    expect([...places].some((p) => p.includes('127.0.0.1'))).toBe(true);
    // Never a token.
    for (const token of Object.values(stack.tokens)) expect(JSON.stringify(events)).not.toContain(token);
    // Filters: by subject and by outcome.
    const bobSubject = events.find((e) => e.posixUser === 'bob')?.subject ?? '';
    const bobs = await audit.carol.list({ since, subject: bobSubject, outcome: 'PERMISSION_DENIED', pageSize: 500 });
    expect(bobs.events.length).toBeGreaterThanOrEqual(5);
    expect(bobs.events.every((e) => e.subject === bobSubject && e.outcome === 'PERMISSION_DENIED')).toBe(true);
  });
});
