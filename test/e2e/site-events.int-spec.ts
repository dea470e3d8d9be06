import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connectNats, encodeJson, JetStreamRepository, type NatsConnection } from '@cairn/adapters/nats';
import { type AttemptEvent, pb, subjects } from '@cairn/contracts';
import { type CairnStack, siteAgentUser, startCairnStack, waitFor } from '@cairn/testing';
import type { Status } from 'nats';
import { spec, stateOf, submit, waitForState, watchAll } from './job-helpers';

const S = pb.JobState;

/** The scheduler's warnings that it dropped an event for this attempt, with their reasons. */
function droppedReasons(stack: CairnStack, attemptId: string): string[] {
  const lines = readFileSync(stack.services.scheduler.spec.logFile, 'utf8').split('\n');
  const reasons: string[] = [];
  for (const line of lines) {
    if (!line.includes(attemptId)) continue;
    const entry = JSON.parse(line) as { msg?: string; attemptId?: string; reason?: string };
    if (entry.msg === 'attempt event dropped' && entry.attemptId === attemptId) reasons.push(entry.reason ?? '');
  }
  return reasons;
}

function completedEvent(job: pb.Job, site: string): AttemptEvent {
  return {
    attemptId: job.attemptId,
    jobId: job.jobId,
    site,
    state: 'COMPLETED',
    slurmJobId: job.slurmJobId,
    exitCode: 0,
    reason: 'forged',
    time: new Date().toISOString(),
  };
}

describe('attempt events are applied only from their site, for dispatched attempts [real: gateway, scheduler, images, agent, nats-server with per-site users, PostgreSQL, slurmctld, slurmd, ch-run]', () => {
  const evil = siteAgentUser('evil');
  let stack: CairnStack;
  let evilNc: NatsConnection;
  let ownAgentNc: NatsConnection;
  const evilStatus: Status[] = [];

  beforeAll(async () => {
    stack = await startCairnStack({ natsUsers: [evil] });
    evilNc = await connectNats({ ...stack.nats.clientFor(evil), name: 'evil-agent' });
    ownAgentNc = await connectNats({ ...stack.nats.clientFor(stack.nats.agent(stack.site)), name: 'site-events-test' });
    void (async () => {
      for await (const status of evilNc.status()) evilStatus.push(status);
    })();
  });

  afterAll(async () => {
    await evilNc?.close();
    await ownAgentNc?.close();
    await stack?.stop();
  });

  it("ignores another site's agent marking a running job COMPLETED (forged site field, own subject), then the real completion goes through", async () => {
    const jobId = await submit(stack.client, spec({ name: 'victim', command: ['/bin/sh', '-c', 'sleep 8; echo real'] }));
    const running = await waitForState(stack.client, jobId, S.JOB_STATE_RUNNING);

    // On its own subject (all its NATS user may publish on), claiming the victim's site.
    await new JetStreamRepository(evilNc).publish(subjects.site('evil').attemptEvents, completedEvent(running, stack.site), randomUUID());
    // On the victim site's subject: NATS refuses it (the permission violation shows on status()).
    evilNc.publish(subjects.site(stack.site).attemptEvents, encodeJson(completedEvent(running, stack.site)));
    await evilNc.flush();
    await waitFor('the publish refused by NATS', async () =>
      evilStatus.find((s) => s.permissionContext?.operation === 'publish' && s.permissionContext.subject === subjects.site(stack.site).attemptEvents),
    );

    expect(await waitFor('the scheduler to drop the event', async () => droppedReasons(stack, running.attemptId)[0])).toMatch(
      /arrived on another site's subject/,
    );
    expect(await stack.client.getJob(jobId)).toMatchObject({ state: S.JOB_STATE_RUNNING, exitCode: undefined });

    const events = await watchAll(stack.client, jobId);
    expect(events.map((e) => stateOf(e.state))).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'COMPLETED']);
    const done = await stack.client.getJob(jobId);
    expect(done).toMatchObject({ state: S.JOB_STATE_COMPLETED, exitCode: 0, slurmJobId: running.slurmJobId });
    expect(Buffer.from((await stack.client.getJobOutput({ jobId })).data).toString()).toBe('real\n');
  });

  it("ignores events, even from the site's own agent user on the right subject, for an attempt never dispatched or unknown; the job then runs for real", async () => {
    await stack.services.agent.kill('SIGTERM'); // the job cannot be handed over while its agent is away
    const jobId = await submit(stack.client, spec({ name: 'undispatched', command: ['/bin/sh', '-c', 'echo real'] }));
    const accepted = await stack.client.getJob(jobId);
    expect(accepted.state).toBe(S.JOB_STATE_ACCEPTED);
    const unknownAttempt = randomUUID();
    // Not while a hand-over is in flight (an attempt being sent counts as sent): after the
    // dispatcher found no agent and cleared its mark.
    await waitFor('the dispatcher to find no agent', async () =>
      readFileSync(stack.services.scheduler.spec.logFile, 'utf8').split('\n').some((l) => l.includes(jobId) && l.includes('not handed to agent')) ? true : undefined,
    );

    const js = new JetStreamRepository(ownAgentNc);
    const on = subjects.site(stack.site).attemptEvents;
    await js.publish(on, completedEvent({ ...accepted, slurmJobId: '' }, stack.site), randomUUID());
    await js.publish(on, { ...completedEvent({ ...accepted, slurmJobId: '' }, stack.site), attemptId: unknownAttempt }, randomUUID());
    ownAgentNc.publish(on, new TextEncoder().encode('not json at all'));
    await js.publish(on, { ...completedEvent({ ...accepted, slurmJobId: '' }, stack.site), state: 'NOT_A_STATE' }, randomUUID());

    expect(await waitFor('the scheduler to drop the event', async () => droppedReasons(stack, accepted.attemptId)[0])).toMatch(/never dispatched/);
    expect(await waitFor('the scheduler to drop the other', async () => droppedReasons(stack, unknownAttempt)[0])).toMatch(/unknown attempt/);
    expect(await stack.client.getJob(jobId)).toMatchObject({ state: S.JOB_STATE_ACCEPTED, slurmJobId: '' });

    await stack.services.agent.start();
    const events = await watchAll(stack.client, jobId);
    expect(events.map((e) => stateOf(e.state))).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'COMPLETED']);
    expect(await stack.client.getJob(jobId)).toMatchObject({ state: S.JOB_STATE_COMPLETED, exitCode: 0 });
    expect(Buffer.from((await stack.client.getJobOutput({ jobId })).data).toString()).toBe('real\n');
    expect(stack.services.scheduler.tail(200)).not.toMatch(/"level":(50|60)/); // no error, no crash
  });
});
