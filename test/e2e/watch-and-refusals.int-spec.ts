import { randomUUID } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { pb, streams } from '@cairn/contracts';
import { type GatewayError, WorkflowsClient } from '@cairn/client';
import { type CairnStack, type ServiceProcess, startCairnStack, waitFor } from '@cairn/testing';
import { spec, stateOf, submit, waitForState, watchAll } from './job-helpers';
import { ended, runState, startRun, stepOf, stepState, waitForRun, watchRun } from './workflow-helpers';

const S = pb.JobState;
const PER_CLIENT = 3;

/** Restarts a service of the stack with these settings added to its environment. */
async function restartWith(service: ServiceProcess, env: Record<string, string>): Promise<void> {
  await service.kill('SIGTERM');
  Object.assign(service.spec.env, env);
  await service.start();
}

/** A stream that is open: it has delivered its first event; the rest arrive in the background. */
interface OpenStream<T> {
  events: T[];
  done: Promise<GatewayError | undefined>;
  abort: AbortController;
}

async function open<T>(read: (signal: AbortSignal) => AsyncGenerator<T>): Promise<OpenStream<T>> {
  const abort = new AbortController();
  const events: T[] = [];
  let first: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (first = resolve));
  const done = (async () => {
    try {
      for await (const event of read(abort.signal)) {
        events.push(event);
        first();
      }
      return undefined;
    } catch (error) {
      return error as GatewayError;
    } finally {
      first();
    }
  })();
  await started;
  return { events, done, abort };
}

describe('watch streams are capped and free their consumers; agent refusals end runs [real: gateway, scheduler, images, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;
  let workflows: WorkflowsClient;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await startCairnStack();
    await Promise.all([
      restartWith(stack.services.gateway, { CAIRN_WATCH_MAX_STREAMS_PER_CLIENT: String(PER_CLIENT), CAIRN_WATCH_MAX_STREAMS: '100' }),
      // A site that does not answer fails its step after 4 s (tries every 200 ms to 500 ms).
      restartWith(stack.services.scheduler, { CAIRN_ENGINE_RETRY_FIRST_MS: '200', CAIRN_ENGINE_RETRY_MAX_MS: '500', CAIRN_ENGINE_UNREACHABLE_SECONDS: '4' }),
    ]);
    workflows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions());
    nc = await connect(stack.nats.connectOptionsFor(stack.nats.users.scheduler));
  });
  afterAll(async () => {
    await nc?.close();
    workflows?.close();
    await stack?.stop();
  });

  /** JetStream consumers on the job and workflow event streams, from the server itself. */
  async function consumers(): Promise<number> {
    const jsm = await nc.jetstreamManager();
    let count = 0;
    for (const name of [streams.jobEvents.name, streams.workflowEvents.name]) {
      count += await jsm.streams.info(name).then(
        (info) => info.state.consumer_count,
        () => 0,
      );
    }
    return count;
  }
  /**
   * The consumer count once it has stayed the same for 6 s: after a gateway restart its read
   * models subscribe a moment later (ordered consumers), and the stopped gateway's ephemeral
   * consumers go only after the server's inactivity threshold (5 s), so a count taken at once
   * can be off by either.
   */
  async function settledConsumers(): Promise<number> {
    let last = await consumers();
    let since = Date.now();
    return waitFor(
      'the consumer count to settle',
      async () => {
        const now = await consumers();
        if (now !== last) [last, since] = [now, Date.now()];
        return Date.now() - since >= 6000 ? now : undefined;
      },
      60_000,
      200,
    );
  }
  const consumersAre = (n: number) => waitFor(`${n} consumers`, async () => ((await consumers()) === n ? true : undefined), 5000, 50);

  const LONG_RUN = `
version: 1
name: e2e-watched
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  nap:
    command: [sleep, '120']
`;

  it(`gives a client ${PER_CLIENT} watch streams (jobs and workflows together), refuses the next with RESOURCE_EXHAUSTED, and frees each consumer when its stream ends`, async () => {
    const before = await settledConsumers();
    const jobId = await submit(stack.client, spec({ name: 'e2e-watched', command: ['sleep', '120'] }));
    const runId = await startRun(workflows, LONG_RUN);
    const jobWatches = [await open((s) => stack.client.watchJob(jobId, s)), await open((s) => stack.client.watchJob(jobId, s))];
    const runWatch = await open((s) => workflows.watchWorkflow(runId, s));
    await consumersAre(before + PER_CLIENT);

    // Over the cap, for either service: refused at once, and no consumer is created.
    for (const extra of [() => stack.client.watchJob(jobId).next(), () => workflows.watchWorkflow(runId).next()]) {
      await expect(extra()).rejects.toMatchObject({ codeName: 'RESOURCE_EXHAUSTED', message: `too many watch streams from this client: ${PER_CLIENT} open, at most ${PER_CLIENT}; close one first` });
    }
    expect(await consumers()).toBe(before + PER_CLIENT);

    // A cancelled stream frees its consumer and its slot at once.
    jobWatches[1]?.abort.abort();
    expect(await jobWatches[1]?.done).toBeUndefined();
    await consumersAre(before + PER_CLIENT - 1);
    const again = await open((s) => stack.client.watchJob(jobId, s));
    await consumersAre(before + PER_CLIENT);

    // The streams that were open kept working: they follow the job to its end, then end.
    await stack.client.cancelJob(jobId);
    for (const stream of [jobWatches[0], again]) {
      expect(await stream?.done).toBeUndefined();
      expect(stream?.events.map((e) => stateOf(e.state)).at(-1)).toBe('CANCELLED');
    }
    await workflows.cancelWorkflow(runId);
    expect(await runWatch.done).toBeUndefined();
    expect(runWatch.events.at(-1)).toMatchObject({ kind: 'run', state: pb.WorkflowState.WORKFLOW_STATE_CANCELLED });
    // Finished streams hold nothing.
    await consumersAre(before);
  });

  it('replays a finished job and a finished run with the sequence numbers (and states, times) a live watch saw', async () => {
    const jobId = await submit(stack.client, spec({ name: 'e2e-replay', command: ['/bin/echo', 'hi'] }));
    const live = await open((s) => stack.client.watchJob(jobId, s));
    const runId = await startRun(
      workflows,
      `
version: 1
name: e2e-replay
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  a:
    command: [/bin/echo, '\${{ item }}']
    array: { items: [x, y] }
  b:
    command: [/bin/echo, b]
    needs: [a]
`,
    );
    const liveRun = await open((s) => workflows.watchWorkflow(runId, s));
    expect(await live.done).toBeUndefined();
    expect(await liveRun.done).toBeUndefined();
    await waitForState(stack.client, jobId, S.JOB_STATE_COMPLETED);
    expect(runState((await waitForRun(workflows, runId, ended)).state)).toBe('SUCCEEDED');

    const replayed = await watchAll(stack.client, jobId);
    expect(replayed.map((e) => e.sequence)).toEqual(replayed.map((_, i) => i + 1));
    expect(replayed).toEqual(live.events);

    const replayedRun = await watchRun(workflows, runId);
    // Increasing from the run's first event; the `items` events (step a's results, for
    // provenance) are not streamed, so their sequence numbers are missing here.
    const sequences = replayedRun.map((e) => e.sequence);
    expect(sequences[0]).toBe(1);
    expect(sequences.every((n, i) => i === 0 || n > (sequences[i - 1] ?? n))).toBe(true);
    expect(replayedRun.map((e) => e.kind)).not.toContain('items');
    expect(replayedRun).toEqual(liveRun.events);
    expect(replayedRun.slice(0, -1).every((e) => e.state === pb.WorkflowState.WORKFLOW_STATE_RUNNING)).toBe(true);
    expect(replayedRun.at(-1)).toMatchObject({ kind: 'run', state: pb.WorkflowState.WORKFLOW_STATE_SUCCEEDED });
  });

  it('fails a run, with the agent\'s reason and in bounded time, when an array\'s lines are a link out of the run, a missing file, or an invalid glob', async () => {
    const started = Date.now();
    const runId = await startRun(
      workflows,
      `
version: 1
name: e2e-refused
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  make:
    command: [/bin/sh, -c, 'ln -s /etc/passwd escape.txt && mkdir shards && touch shards/a.csv']
    outputs: { escape: escape.txt, shards: shards }
  link:
    command: [/bin/echo, '\${{ item }}']
    array: { lines: '\${{ steps.make.outputs.escape }}' }
  missing:
    command: [/bin/echo, '\${{ item }}']
    array: { lines: make/absent.txt }
    needs: [make]
  glob:
    command: [/bin/echo, '\${{ item }}']
    array: { glob: '\${{ steps.make.outputs.shards }}/[a' }
  after:
    command: [/bin/echo, after]
    needs: [link]
`,
    );
    const run = await waitForRun(workflows, runId, ended, 60_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(runState(run.state)).toBe('FAILED');
    expect(stepState(stepOf(run, 'make').state)).toBe('SUCCEEDED');
    expect(stepOf(run, 'link')).toMatchObject({ state: pb.StepState.STEP_STATE_FAILED, reason: 'array.lines: make/escape.txt: path escapes the run directory' });
    expect(stepOf(run, 'missing')).toMatchObject({ state: pb.StepState.STEP_STATE_FAILED, reason: 'array.lines: make/absent.txt does not exist in the run' });
    expect(stepOf(run, 'glob').state).toBe(pb.StepState.STEP_STATE_FAILED);
    expect(stepOf(run, 'glob').reason).toMatch(/^array\.glob: "make\/shards\/\[a": .*\[/);
    expect(stepOf(run, 'after')).toMatchObject({ state: pb.StepState.STEP_STATE_SKIPPED, reason: 'needs link, which failed' });
    expect(run.reason).toMatch(/^step (link|missing|glob) failed: array\./);
  });

  it('fails a step whose site stopped answering once the retry budget is spent, and says so', async () => {
    // Planning needs the site's description: asked now, it is cached when the agent is gone.
    const dry = await workflows.submitWorkflow({ source: 'version: 1\nname: e2e-warm\nsteps:\n  a: { image: lab/busybox:1.36, command: [/bin/true] }\n', fileName: 'w.yaml', requestId: '', dryRun: true });
    expect(dry.plan).toBeDefined();
    await stack.services.agent.kill('SIGKILL');
    try {
      const started = Date.now();
      const runId = await startRun(
        workflows,
        `
version: 1
name: e2e-unreachable
defaults: { image: lab/busybox:1.36, resources: { cpus: 1, memory: 256M, time: 5m } }
steps:
  list:
    command: [/bin/echo, '\${{ item }}']
    array: { lines: list.txt }
  after:
    command: [/bin/echo, after]
    needs: [list]
`,
      );
      const waiting = await waitForRun(workflows, runId, (w) => /did not answer/.test(stepOf(w, 'list').reason), 30_000);
      expect(runState(waiting.state)).toBe('RUNNING');
      const run = await waitForRun(workflows, runId, ended, 60_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
      expect(runState(run.state)).toBe('FAILED');
      expect(stepOf(run, 'list').reason).toMatch(new RegExp(`^site ${stack.site} unreachable for [4-9] s \\(\\d+ tries\\): no service answers on cairn\\.site\\.${stack.site}\\.agent\\.run-file`));
      expect(stepState(stepOf(run, 'after').state)).toBe('SKIPPED');
    } finally {
      await stack.services.agent.start();
    }
  });

  it('answers a watch of an unknown job or run with NOT_FOUND at once, holding no slot', async () => {
    const before = await settledConsumers();
    for (let i = 0; i <= PER_CLIENT; i += 1) {
      await expect(stack.client.watchJob(randomUUID()).next()).rejects.toMatchObject({ codeName: 'NOT_FOUND' });
      await expect(workflows.watchWorkflow(randomUUID()).next()).rejects.toMatchObject({ codeName: 'NOT_FOUND' });
    }
    expect(await consumers()).toBe(before);
  });

  it('caps the gateway\'s streams in all, whoever holds them', async () => {
    await restartWith(stack.services.gateway, { CAIRN_WATCH_MAX_STREAMS_PER_CLIENT: '10', CAIRN_WATCH_MAX_STREAMS: '2' });
    const before = await settledConsumers();
    const runId = await startRun(workflows, LONG_RUN);
    const held = [await open((s) => workflows.watchWorkflow(runId, s)), await open((s) => workflows.watchWorkflow(runId, s))];
    await expect(workflows.watchWorkflow(runId).next()).rejects.toMatchObject({ codeName: 'RESOURCE_EXHAUSTED', message: 'the gateway holds its maximum of 2 watch streams; try again later' });
    await consumersAre(before + 2);
    for (const h of held) h.abort.abort();
    await consumersAre(before);
    await workflows.cancelWorkflow(runId);
    await waitForRun(workflows, runId, ended);
  });
});
