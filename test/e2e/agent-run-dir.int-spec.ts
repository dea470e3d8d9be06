import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNats, JetStreamRepository, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import {
  type AttemptEvent,
  attemptEventSchema,
  attemptItemsReply,
  CairnError,
  type ResolvedImage,
  resolvedImageSchema,
  runFileReply,
  streams,
  submitAttemptReply,
  subjects,
} from '@cairn/contracts';
import { type CairnStack, natsStreamReader, startCairnStack, waitFor } from '@cairn/testing';

const FINAL = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'];

describe('agent workflow run directories [real: agent, nats-server, images, registry, sbatch, sbatch --array, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;
  let nc: NatsConnection;
  let readerNc: NatsConnection;
  let requester: NatsRequester;
  // The test plays the scheduler (its NATS user) and watches the agent's events (a reader of their stream).
  const reader = natsStreamReader('site-events-reader', streams.siteEvents.name);
  let image: ResolvedImage;
  let runsDir: string;
  const events = new Map<string, AttemptEvent[]>();
  const abort = new AbortController();
  let following: Promise<void>;

  beforeAll(async () => {
    // A runs directory of its own, given through the agent's setting.
    runsDir = realpathSync(mkdtempSync(join(tmpdir(), 'cairn-runs-')));
    stack = await startCairnStack({ agentEnv: { CAIRN_AGENT_RUNS_DIR: runsDir }, natsUsers: [reader] });
    nc = await connectNats({ ...stack.nats.clientFor(stack.nats.users.scheduler), name: 'run-dir-test' });
    readerNc = await connectNats({ ...stack.nats.clientFor(reader), name: 'run-dir-test-events' });
    requester = new NatsRequester(nc);
    image = await requester.request(subjects.images.resolve, { reference: 'lab/busybox:1.36' }, resolvedImageSchema);
    following = (async () => {
      for await (const raw of new JetStreamRepository(readerNc).follow(subjects.site(stack.site).attemptEvents, abort.signal)) {
        const event = attemptEventSchema.parse(raw);
        events.set(event.attemptId, [...(events.get(event.attemptId) ?? []), event]);
      }
    })();
  });

  afterAll(async () => {
    abort.abort();
    await following;
    await readerNc?.close();
    await nc?.close();
    await stack?.stop();
  });

  const site = () => subjects.site(stack.site);

  /** Submits an attempt straight to the agent and waits for its final event. */
  async function runAttempt(body: { command: string[]; run: { id: string; stepDir: string; outputs?: string[]; inputs?: string[] }; array?: unknown }): Promise<AttemptEvent[]> {
    const attemptId = randomUUID();
    const reply = await requester.request(
      site().submit,
      {
        attemptId,
        jobId: randomUUID(),
        spec: {
          name: 'step',
          image: 'lab/busybox:1.36',
          command: body.command,
          env: {},
          resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 120 },
          site: stack.site,
          run: body.run,
        },
        image,
        ...(body.array ? { array: body.array } : {}),
      },
      submitAttemptReply,
    );
    expect(reply).toEqual({ attemptId, duplicate: false });
    return waitFor(
      `attempt ${attemptId} to end`,
      async () => {
        const mine = events.get(attemptId) ?? [];
        return mine.some((e) => FINAL.includes(e.state)) ? mine : undefined;
      },
      120_000,
      200,
    );
  }

  const readRunFile = (runId: string, path: string, maxBytes = 4096) =>
    requester.request(site().readRunFile, { runId, path, maxBytes }, runFileReply);
  const text = (reply: { dataBase64: string }) => Buffer.from(reply.dataBase64, 'base64').toString('utf8');
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      (value) => {
        throw new Error(`expected an error, got ${JSON.stringify(value)}`);
      },
      (error: unknown) => {
        if (!(error instanceof CairnError)) throw error;
        return { code: error.code, message: error.message };
      },
    );

  it('runs the steps of one run in /cairn/run/<stepDir>, where a later step reads an earlier one’s output, and serves the files', async () => {
    const runId = randomUUID();
    const produce = await runAttempt({ run: { id: runId, stepDir: 'produce' }, command: ['/bin/sh', '-c', 'echo hello > out.txt'] });
    expect(produce.map((e) => e.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    expect(readFileSync(join(runsDir, runId, 'produce', 'out.txt'), 'utf8')).toBe('hello\n');

    const consume = await runAttempt({
      run: { id: runId, stepDir: 'consume' },
      // The job also leaves a link to a file outside the run (in the container's view and the host's).
      command: ['/bin/sh', '-c', 'cat /cairn/run/produce/out.txt > copy.txt && pwd > where.txt && ln -s /etc/passwd leak && test -d /cairn/work'],
    });
    expect(consume.map((e) => e.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);

    const copy = await readRunFile(runId, 'consume/copy.txt');
    expect({ ...copy, text: text(copy) }).toEqual({ exists: true, dataBase64: copy.dataBase64, truncated: false, size: 6, text: 'hello\n' });
    expect(text(await readRunFile(runId, 'consume/where.txt'))).toBe('/cairn/run/consume\n');
    const head = await readRunFile(runId, 'consume/copy.txt', 2);
    expect([text(head), head.truncated]).toEqual(['he', true]);

    expect(await readRunFile(runId, 'consume/none.txt')).toEqual({ exists: false, dataBase64: '', truncated: false });
    expect(await readRunFile(randomUUID(), 'consume/copy.txt')).toEqual({ exists: false, dataBase64: '', truncated: false });
    expect(await failure(readRunFile(runId, 'consume'))).toEqual({ code: 'INVALID_ARGUMENT', message: 'consume is a directory' });
    expect(await failure(readRunFile(runId, 'consume/leak'))).toEqual({ code: 'INVALID_ARGUMENT', message: 'path escapes the run directory' });
    const dotdot = await failure(readRunFile(runId, '../x'));
    expect(dotdot.code).toBe('INVALID_ARGUMENT');
    expect(dotdot.message).toContain('path: must be a relative path inside the run, without ".."');
    expect((await failure(readRunFile(runId, '/etc/passwd'))).code).toBe('INVALID_ARGUMENT');
  });

  it('runs each array item in /cairn/run/<stepDir>/<index> with CAIRN_ITEM_INDEX, and reports items by those indices', async () => {
    const runId = randomUUID();
    const events = await runAttempt({
      run: { id: runId, stepDir: 'sweep' },
      command: ['/bin/sh', '-c', 'echo "$CAIRN_ITEM_INDEX $0 $(pwd)" > index.txt; test "$CAIRN_ITEM_INDEX" != 17', '${{ item }}'],
      array: { items: ['a', 'b', 'c'], itemsPerElement: 2, indices: [3, 17, 40] },
    });
    expect(events.map((e) => e.state)).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    expect(events.at(-1)?.reason).toBe('1 of 3 items failed (17)');

    for (const [index, item] of [
      [3, 'a'],
      [17, 'b'],
      [40, 'c'],
    ] as const) {
      expect(readFileSync(join(runsDir, runId, 'sweep', String(index), 'index.txt'), 'utf8')).toBe(`${index} ${item} /cairn/run/sweep/${index}\n`);
      expect(text(await readRunFile(runId, `sweep/${index}/index.txt`))).toBe(`${index} ${item} /cairn/run/sweep/${index}\n`);
    }
    const attemptId = events[0]?.attemptId ?? '';
    const items = await requester.request(site().items, { attemptId }, attemptItemsReply);
    // Each item with how long it ran (the wrapper's start and end times).
    expect(items.items).toEqual([
      { item: 3, exitCode: 0, seconds: expect.any(Number) },
      { item: 17, exitCode: 1, seconds: expect.any(Number) },
      { item: 40, exitCode: 0, seconds: expect.any(Number) },
    ]);
    for (const { seconds } of items.items) expect(seconds).toBeLessThan(30);
  });

  it('hashes the declared outputs where the job ran: sha256 and size on the final event, and on each array item in the items query', async () => {
    const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
    // An input from outside the run, readable by the job user.
    const inputDir = realpathSync(mkdtempSync(join(tmpdir(), 'cairn-input-')));
    chmodSync(inputDir, 0o755);
    const input = join(inputDir, 'pool.csv');
    writeFileSync(input, 'x,y\n1,2\n', { mode: 0o644 });
    const runId = randomUUID();
    const single = await runAttempt({
      run: { id: runId, stepDir: 'train', outputs: ['model.txt', 'missing.txt'], inputs: [input] },
      command: ['/bin/sh', '-c', 'printf "weights 42" > model.txt'],
    });
    expect(single.map((e) => e.state)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    const run = single.at(-1)?.run;
    expect(run).toMatchObject({
      host: expect.any(String),
      startTime: expect.any(String),
      endTime: expect.any(String),
      outputs: [{ path: 'model.txt', sha256: sha256('weights 42'), size: 10, kind: 'file' }],
      inputs: [{ path: input, sha256: sha256('x,y\n1,2\n'), size: 8, kind: 'file' }],
      unhashed: ['missing.txt'],
    });

    const array = await runAttempt({
      run: { id: runId, stepDir: 'sweep', outputs: ['r.txt'] },
      command: ['/bin/sh', '-c', 'printf "item $0" > r.txt', '${{ item }}'],
      array: { items: ['a', 'b'], itemsPerElement: 1, indices: [5, 9] },
    });
    expect(array.at(-1)?.state).toBe('COMPLETED');
    const items = await requester.request(site().items, { attemptId: array[0]?.attemptId ?? '', facts: true }, attemptItemsReply);
    expect(items.more).toBeUndefined();
    expect(items.items.map((i) => [i.item, i.run?.outputs])).toEqual([
      [5, [{ path: '5/r.txt', sha256: sha256('item a'), size: 6, kind: 'file' }]],
      [9, [{ path: '9/r.txt', sha256: sha256('item b'), size: 6, kind: 'file' }]],
    ]);
    for (const item of items.items) expect(item.run).toMatchObject({ host: expect.any(String), startTime: expect.any(String), endTime: expect.any(String) });
  });
});
