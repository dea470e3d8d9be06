import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, JetStreamRepository, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import {
  attemptEventSchema,
  attemptItemsReply,
  type AttemptEvent,
  cancelAttemptReply,
  resolvedImageSchema,
  streams,
  submitAttemptReply,
  subjects,
} from '@cairn/contracts';
import { ITEM_RUNNER_NAME, parseItemRecords } from '@cairn/site-agent';
import { type CairnStack, natsStreamReader, startCairnStack, waitFor } from '@cairn/testing';
import { slurmJobsNamed } from './job-helpers';

describe('agent array attempts [real: agent, nats-server, images, registry, sbatch --array, slurmctld, slurmd, ch-run]', () => {
  let stack: CairnStack;
  let nc: NatsConnection;
  let readerNc: NatsConnection;
  // The test plays the scheduler (its NATS user) and watches the agent's events (a reader of their stream).
  const reader = natsStreamReader('site-events-reader', streams.siteEvents.name);

  beforeAll(async () => {
    stack = await startCairnStack({ natsUsers: [reader] });
    nc = await connectNats({ ...stack.nats.clientFor(stack.nats.users.scheduler), name: 'array-test' });
    readerNc = await connectNats({ ...stack.nats.clientFor(reader), name: 'array-test-events' });
  });

  afterAll(async () => {
    await readerNc?.close();
    await nc?.close();
    await stack?.stop();
  });

  /** Submits an array attempt as the scheduler would and follows its events to a final state. */
  async function submitArray(command: string[], array: { items: (string | number)[]; itemsPerElement: number }) {
    const requester = new NatsRequester(nc);
    const site = subjects.site(stack.site);
    const image = await requester.request(subjects.images.resolve, { reference: 'lab/busybox:1.36' }, resolvedImageSchema);
    const attemptId = randomUUID();
    const events: AttemptEvent[] = [];
    const abort = new AbortController();
    const ended = (async () => {
      for await (const raw of new JetStreamRepository(readerNc).follow(site.attemptEvents, abort.signal)) {
        const event = attemptEventSchema.parse(raw);
        if (event.attemptId !== attemptId) continue;
        events.push(event);
        if (['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(event.state)) abort.abort();
      }
      return events;
    })();
    const reply = await requester.request(
      site.submit,
      {
        attemptId,
        jobId: randomUUID(),
        spec: { name: 'sweep', image: 'lab/busybox:1.36', command, env: {}, resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 300 }, site: stack.site },
        image,
        array,
      },
      submitAttemptReply,
    );
    expect(reply).toEqual({ attemptId, duplicate: false });
    const dir = join(stack.dir, 'agent', 'attempts', attemptId);
    const records = (element: number) => parseItemRecords(existsSync(join(dir, 'out', `items-${element}.jsonl`)) ? readFileSync(join(dir, 'out', `items-${element}.jsonl`), 'utf8') : '');
    return { attemptId, dir, work: join(dir, 'work'), ended, records, requester, site };
  }

  it('packs 10 items into 3 elements of ONE Slurm array job, records every item, and fails naming only the failed item', async () => {
    const requester = new NatsRequester(nc);
    const site = subjects.site(stack.site);
    const image = await requester.request(subjects.images.resolve, { reference: 'lab/busybox:1.36' }, resolvedImageSchema);
    const attemptId = randomUUID();
    const events: AttemptEvent[] = [];
    const abort = new AbortController();
    const following = (async () => {
      for await (const raw of new JetStreamRepository(readerNc).follow(site.attemptEvents, abort.signal)) {
        const event = attemptEventSchema.parse(raw);
        if (event.attemptId !== attemptId) continue;
        events.push(event);
        if (['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(event.state)) abort.abort();
      }
    })();

    const reply = await requester.request(
      site.submit,
      {
        attemptId,
        jobId: randomUUID(),
        spec: {
          name: 'sweep',
          image: 'lab/busybox:1.36',
          command: ['/bin/sh', '-c', 'echo "item $0 in $(pwd)"; test "$0" != 7', '${{ item }}'],
          env: {},
          resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 120 },
          site: stack.site,
        },
        image,
        array: { items: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], itemsPerElement: 4, throttle: 2 },
      },
      submitAttemptReply,
    );
    expect(reply).toEqual({ attemptId, duplicate: false });
    await following;

    expect(events.map((e) => e.state)).toEqual(['PENDING', 'RUNNING', 'FAILED']);
    expect(events[2]?.reason).toBe('1 of 10 items failed (6)');
    const slurmJobId = events[2]?.slurmJobId ?? '';
    expect(slurmJobsNamed(`cairn-${attemptId}`).sort()).toEqual([`${slurmJobId}_0`, `${slurmJobId}_1`, `${slurmJobId}_2`]);

    const items = await requester.request(site.items, { attemptId }, attemptItemsReply);
    expect(items.items).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((item) => ({ item, exitCode: item === 6 ? 1 : 0, seconds: expect.any(Number) })));
    for (const { seconds } of items.items) expect(seconds).toBeLessThan(30);
    const element1 = readFileSync(join(stack.dir, 'agent', 'attempts', attemptId, 'out', 'stdout-1'), 'utf8');
    expect(element1).toBe(['item 5 in /cairn/work', 'item 6 in /cairn/work', 'item 7 in /cairn/work', 'item 8 in /cairn/work', ''].join('\n'));
  });

  it('starts ONE container per element: its items share that start, each with its own argv (hostile strings literal), CAIRN_ITEM_INDEX and exit code', async () => {
    const hostile = ['$(id)', "it's", 'a  b', '`id`; exit 9', '\\', '*', '-n', '"; touch /cairn/work/pwned #'];
    // Each item counts the lines in the container's private /tmp: one start per element gives 1..4 in each element.
    // Each also tries to change the runner it was started by (the agent's, bound into the container): it cannot.
    const runnerFile = join(stack.dir, 'agent', 'item-runner', ITEM_RUNNER_NAME);
    const runnerBefore = readFileSync(runnerFile);
    const tamper = 'for f in /tmp/.cairn-bin/*; do (echo x >> "$f") 2>/dev/null && echo "written $f"; done; (touch /tmp/.cairn-bin/new) 2>/dev/null && echo created; ';
    const run = await submitArray(['/bin/sh', '-c', `${tamper}echo x >> /tmp/starts; printf "%s|%s|%s\\n" "$CAIRN_ITEM_INDEX" "$(wc -l < /tmp/starts)" "$0"; exit $((CAIRN_ITEM_INDEX % 3))`, '${{ item }}'], {
      items: hostile,
      itemsPerElement: 4,
    });
    const events = await run.ended;
    expect(events.at(-1)).toMatchObject({ state: 'FAILED', reason: '5 of 8 items failed (1, 2, 4, 5, 7)' });
    expect(readFileSync(join(run.dir, 'element-launch'), 'utf8').split('\u0000').filter((arg) => arg.includes('cairn-items-'))).toHaveLength(1);
    for (const element of [0, 1]) {
      const lines = readFileSync(join(run.dir, 'out', `stdout-${element}`), 'utf8').split('\n').slice(0, -1);
      expect(lines).toEqual([0, 1, 2, 3].map((k) => `${element * 4 + k}|${k + 1}|${hostile[element * 4 + k] ?? ''}`));
    }
    expect(existsSync(join(run.work, 'pwned'))).toBe(false);
    expect(readFileSync(runnerFile)).toEqual(runnerBefore);
    const items = await run.requester.request(run.site.items, { attemptId: run.attemptId }, attemptItemsReply);
    expect(items.items.map((i) => [i.item, i.exitCode])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => [k, k % 3]));
  });

  it('a cancel stops the running item (SIGTERM, recorded as 143) and starts no other', async () => {
    const run = await submitArray(['/bin/sh', '-c', 'touch /cairn/work/started-$0; exec sleep 600', '${{ item }}'], { items: [0, 1, 2], itemsPerElement: 3 });
    await waitFor('item 0 to run', async () => existsSync(join(run.work, 'started-0')) || undefined, 120_000, 200);
    expect(await run.requester.request(run.site.cancel, { attemptId: run.attemptId }, cancelAttemptReply)).toEqual({ attemptId: run.attemptId, known: true });
    expect((await run.ended).at(-1)?.state).toBe('CANCELLED');
    const record = await waitFor('item 0’s record', async () => run.records(0).get(0), 60_000, 200);
    expect(record.exitCode).toBe(143);
    expect([...run.records(0).keys()]).toEqual([0]);
    expect(['started-1', 'started-2'].filter((f) => existsSync(join(run.work, f)))).toEqual([]);
  });

  it('a requeued element skips the items it finished and runs the rest again', async () => {
    const run = await submitArray(
      ['/bin/sh', '-c', 'echo ran >> /cairn/work/ran-$0; test "$0" = 0 && exit 0; test -f /cairn/work/requeued && exit 0; touch /cairn/work/waiting; exec sleep 600', '${{ item }}'],
      { items: [0, 1], itemsPerElement: 2 },
    );
    await waitFor('item 1 to run', async () => existsSync(join(run.work, 'waiting')) || undefined, 120_000, 200);
    writeFileSync(join(run.work, 'requeued'), '');
    const element = slurmJobsNamed(`cairn-${run.attemptId}`)[0] ?? '';
    execFileSync('scontrol', ['requeue', element]);
    const requeuedAt = Date.now();
    // Slurm holds a requeued job for a while (BeginTime): release it once, but not in the
    // whole second of the requeue or the next: slurmd refuses the job's credentials issued
    // by then ("Job credential revoked"), and the element would fail to launch.
    let released = false;
    await waitFor(
      'the requeued element to run again',
      async () => {
        if (readFileSync(join(run.work, 'ran-1'), 'utf8') === 'ran\nran\n') return true;
        const state = execFileSync('squeue', ['-h', '-j', element, '-o', '%T %r'], { encoding: 'utf8' });
        if (!released && /PENDING.*BeginTime/.test(state) && Date.now() >= (Math.floor(requeuedAt / 1000) + 2) * 1000) {
          execFileSync('scontrol', ['update', `JobId=${element}`, 'StartTime=now']);
          released = true;
        }
        return undefined;
      },
      180_000,
      500,
    );
    const events = await run.ended;
    expect(events.at(-1)?.state).toBe('COMPLETED');
    expect(readFileSync(join(run.work, 'ran-0'), 'utf8')).toBe('ran\n');
    expect(readFileSync(join(run.work, 'ran-1'), 'utf8')).toBe('ran\nran\n');
    expect([...run.records(0).values()].map((r) => [r.item, r.exitCode])).toEqual([
      [0, 0],
      [1, 0],
    ]);
  });
});
