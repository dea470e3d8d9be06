import { pb } from '@cairn/contracts';
import { type JobsClient, WorkflowsClient } from '@cairn/client';
import { type CairnStack, startCairnStack, waitFor } from '@cairn/testing';
import { spec, untilNoLiveSlurmJobs, waitForState } from './job-helpers';

const S = pb.JobState;
const PER_PERSON = 3;
const PER_PROJECT = 4;
const RUNS_PER_PERSON = 2;
const holding = (name: string) => `version: 1
name: ${name}
defaults: { image: lab/busybox:1.36, resources: { time: 2m } }
steps:
  hold: { command: [sleep, "110"] }
`;

describe('run limits on unfinished jobs and running workflow runs, counted by the scheduler’s counters [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;
  let flows: WorkflowsClient;
  const submitted: { client: JobsClient; jobId: string }[] = [];
  const runs: string[] = [];

  beforeAll(async () => {
    stack = await startCairnStack();
    await stack.services.scheduler.kill('SIGTERM');
    Object.assign(stack.services.scheduler.spec.env, {
      CAIRN_MAX_ACTIVE_JOBS_PER_PERSON: String(PER_PERSON),
      CAIRN_MAX_ACTIVE_JOBS_PER_PROJECT: String(PER_PROJECT),
      CAIRN_MAX_RUNNING_WORKFLOWS_PER_PERSON: String(RUNS_PER_PERSON),
    });
    await stack.services.scheduler.start();
    flows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions('carol'));
  });
  afterAll(async () => {
    // Nothing of this suite left in Slurm: every job still unfinished is cancelled, and the
    // stack stops only once Slurm has done it (the agent delivers a cancel after CancelJob answers).
    await Promise.all(submitted.map(({ client, jobId }) => client.cancelJob(jobId).catch(() => undefined)));
    await Promise.all(runs.map((runId) => flows.cancelWorkflow(runId).catch(() => undefined)));
    flows?.close();
    if (stack) await untilNoLiveSlurmJobs(stack.dir);
    await stack?.stop();
  });

  /** A job that runs until cancelled (its time limit at most), charged to `account`. */
  const submitLong = async (client: JobsClient, account: string): Promise<string> => {
    const { job } = await client.submitJob(pb.SubmitJobRequest.fromPartial({ spec: spec({ name: 'held-place', command: ['/bin/sleep', '110'] }), account }));
    if (!job) throw new Error('no job in SubmitJobResponse');
    submitted.push({ client, jobId: job.jobId });
    return job.jobId;
  };
  const refusal = (client: JobsClient, account: string) => submitLong(client, account).then(() => 'accepted', (error: unknown) => error);

  it('refuses the job over a person’s or a project’s limit, naming the count, the limit and the setting; a job that ends frees its place; the counts survive a crash of the scheduler', async () => {
    const alice = stack.clients.alice;
    const bob = stack.clients.bob;
    const aliceJobs = [await submitLong(alice, 'genomics'), await submitLong(alice, 'genomics'), await submitLong(alice, 'genomics')];
    expect(await refusal(alice, 'alice-lab')).toMatchObject({
      codeName: 'RESOURCE_EXHAUSTED',
      message: `alice has ${PER_PERSON} jobs not yet finished, the most one person may have (${PER_PERSON}, CAIRN_MAX_ACTIVE_JOBS_PER_PERSON): wait for some to finish, or cancel some`,
    });
    await submitLong(bob, 'genomics');
    expect(await refusal(bob, 'genomics')).toMatchObject({
      codeName: 'RESOURCE_EXHAUSTED',
      message: `account genomics has ${PER_PROJECT} jobs not yet finished, the most one project may have (${PER_PROJECT}, CAIRN_MAX_ACTIVE_JOBS_PER_PROJECT): wait for some to finish, or charge another of your accounts`,
    });

    // One of alice's ends (cancelled through Slurm; the agent reports it): bob's project and alice have a place again.
    const first = aliceJobs[0] ?? '';
    await waitForState(alice, first, S.JOB_STATE_RUNNING);
    await alice.cancelJob(first);
    await waitForState(alice, first, S.JOB_STATE_CANCELLED);
    await submitLong(bob, 'genomics');
    await submitLong(alice, 'alice-lab');

    // The scheduler is killed and started again: the counts are what was committed.
    await stack.services.scheduler.kill('SIGKILL');
    await stack.services.scheduler.start();
    expect(await refusal(alice, 'alice-lab')).toMatchObject({ codeName: 'RESOURCE_EXHAUSTED', message: expect.stringContaining(`alice has ${PER_PERSON} jobs not yet finished`) });
    expect(await refusal(bob, 'genomics')).toMatchObject({ codeName: 'RESOURCE_EXHAUSTED', message: expect.stringContaining(`account genomics has ${PER_PROJECT} jobs not yet finished`) });
    // What each is told of the limits is what the scheduler checks: alice 3 of 3 (2 in genomics,
    // 1 in alice-lab), genomics 4 of 4 (alice's 2 and bob's 2); bob sees his own and genomics only.
    const jobs = (name: string, used: number, limit: number, per: 'PERSON' | 'PROJECT') => ({ name, used, limit, setting: `CAIRN_MAX_ACTIVE_JOBS_PER_${per}` });
    expect(await alice.getJobUsage()).toEqual({
      person: jobs('alice', 3, PER_PERSON, 'PERSON'),
      projects: [jobs('alice-lab', 1, PER_PROJECT, 'PROJECT'), jobs('genomics', 4, PER_PROJECT, 'PROJECT')],
    });
    expect(await bob.getJobUsage()).toEqual({ person: jobs('bob', 2, PER_PERSON, 'PERSON'), projects: [jobs('genomics', 4, PER_PROJECT, 'PROJECT')] });
    // carol's project is another's: her job is let in.
    await submitLong(stack.clients.carol, 'ops');
    expect(await stack.clients.carol.getJobUsage()).toEqual({ person: jobs('carol', 1, PER_PERSON, 'PERSON'), projects: [jobs('ops', 1, PER_PROJECT, 'PROJECT')] });
  });

  it('runs exactly as many of one person’s workflow runs as the limit when their SubmitWorkflows arrive together, and refuses the rest naming the limit', async () => {
    const settled = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => flows.submitWorkflow({ source: holding(`held-run-${i}`), fileName: 'w.yaml', requestId: '' })));
    for (const o of settled) if (o.status === 'fulfilled' && o.value.workflow) runs.push(o.value.workflow.runId);
    const refused = settled.flatMap((o) => (o.status === 'rejected' ? [o.reason as { codeName?: string; message?: string }] : []));
    expect(runs).toHaveLength(RUNS_PER_PERSON);
    expect(refused.map((e) => [e.codeName, e.message])).toEqual(
      Array.from({ length: 6 - RUNS_PER_PERSON }, () => [
        'RESOURCE_EXHAUSTED',
        `carol has ${RUNS_PER_PERSON} workflow runs still running, the most one person may have (${RUNS_PER_PERSON}, CAIRN_MAX_RUNNING_WORKFLOWS_PER_PERSON): wait for some to finish, or cancel some`,
      ]),
    );
    // The project's limit is the default (500): not set in this suite.
    expect(await flows.getWorkflowUsage()).toEqual({
      person: { name: 'carol', used: RUNS_PER_PERSON, limit: RUNS_PER_PERSON, setting: 'CAIRN_MAX_RUNNING_WORKFLOWS_PER_PERSON' },
      projects: [{ name: 'ops', used: RUNS_PER_PERSON, limit: 500, setting: 'CAIRN_MAX_RUNNING_WORKFLOWS_PER_PROJECT' }],
    });
    // One ends: its place is free again, as the next submission would find.
    await flows.cancelWorkflow(runs[0] ?? '');
    await waitFor('the cancelled run to end', async () => ((await flows.getWorkflowUsage()).person?.used === RUNS_PER_PERSON - 1 ? true : undefined), 60_000, 200);
  });
});
