import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, JetStreamRepository, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import { attemptEventSchema, attemptItemsReply, type AttemptEvent, resolvedImageSchema, streams, submitAttemptReply, subjects } from '@cairn/contracts';
import { type CairnStack, natsStreamReader, startCairnStack } from '@cairn/testing';
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
});
