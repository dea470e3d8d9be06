import { randomBytes } from 'node:crypto';
import { connectNats, encodeJson, JetStreamRepository, NatsRequester } from '../src';
import { errorCode, startNats, type TestNats, waitFor } from '@cairn/testing';
import type { NatsConnection } from 'nats';
import { z } from 'zod';

const id = () => randomBytes(4).toString('hex');

/** Resolves to the CairnError code the promise rejected with (fails if it resolved or threw anything else). */
describe('JetStreamRepository [real: nats-server 2.9 with JetStream]', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  let js: JetStreamRepository;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats({ ...nats.clientFor(nats.tester), name: 'jetstream-int-spec' });
    js = new JetStreamRepository(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  /** A fresh stream on `test.<id>.>`; returns its name and subject prefix. */
  async function newStream(): Promise<{ stream: string; prefix: string }> {
    const suffix = id();
    const stream = `S_${suffix}`;
    const prefix = `test.${suffix}`;
    await js.ensureStream({ name: stream, subjects: [`${prefix}.>`] });
    return { stream, prefix };
  }

  it('ensureStream creates the stream once and is safe to call again, updating its subjects', async () => {
    const jsm = await nc.jetstreamManager();
    const name = `S_${id()}`;
    await js.ensureStream({ name, subjects: ['a.>'].map((s) => `test.${name}.${s}`) });
    await js.publish(`test.${name}.a.1`, { n: 1 }, `${name}-1`);

    await js.ensureStream({ name, subjects: [`test.${name}.a.>`] });
    await js.ensureStream({ name, subjects: [`test.${name}.a.>`, `test.${name}.b.>`] });

    const info = await jsm.streams.info(name);
    expect(info.config.subjects).toEqual([`test.${name}.a.>`, `test.${name}.b.>`]);
    expect(info.state.messages).toBe(1); // the update kept the stored message
    const names: string[] = [];
    for await (const n of jsm.streams.names()) names.push(n);
    expect(names.filter((n) => n === name)).toHaveLength(1);
  });

  it('stores a message published twice with the same id once, and says so the second time', async () => {
    const { stream, prefix } = await newStream();
    const msgId = `m-${id()}`;

    expect(await js.publish(`${prefix}.x`, { n: 1 }, msgId)).toEqual({ duplicate: false });
    expect(await js.publish(`${prefix}.x`, { n: 1 }, msgId)).toEqual({ duplicate: true });
    expect(await js.publish(`${prefix}.x`, { n: 2 }, `m-${id()}`)).toEqual({ duplicate: false });

    const info = await (await nc.jetstreamManager()).streams.info(stream);
    expect(info.state.messages).toBe(2);
  });

  it('consumeDurable acks each message once, redelivers a message whose handler threw, and a restart resumes after the acked ones', async () => {
    const { stream, prefix } = await newStream();
    const durable = `d_${id()}`;
    const jsm = await nc.jetstreamManager();
    for (const n of [1, 2, 3]) await js.publish(`${prefix}.e`, { n }, `${prefix}-${n}`);

    const seen: number[] = [];
    const handled: number[] = [];
    const errors: unknown[] = [];
    let failed = false;
    const stop = await js.consumeDurable(
      stream,
      durable,
      (subject, data) => {
        const { n } = data as { n: number };
        seen.push(n);
        expect(subject).toBe(`${prefix}.e`);
        if (n === 2 && !failed) {
          failed = true;
          return Promise.reject(new Error('handler failed once'));
        }
        handled.push(n);
        return Promise.resolve();
      },
      (error) => errors.push(error),
    );

    await waitFor('three messages handled', async () => (handled.length >= 3 ? true : undefined), 20_000);
    await waitFor('every ack to reach the server', async () => {
      const info = await jsm.consumers.info(stream, durable);
      return info.num_ack_pending === 0 && info.ack_floor.stream_seq === 3 ? true : undefined;
    });
    await stop();

    expect([...seen].sort()).toEqual([1, 2, 2, 3]);
    expect([...handled].sort()).toEqual([1, 2, 3]);
    expect(errors).toEqual([new Error('handler failed once')]);

    for (const n of [4, 5]) await js.publish(`${prefix}.e`, { n }, `${prefix}-${n}`);
    const resumed: number[] = [];
    const stopAgain = await js.consumeDurable(
      stream,
      durable,
      (_subject, data) => {
        resumed.push((data as { n: number }).n);
        return Promise.resolve();
      },
      (error) => errors.push(error),
    );
    try {
      await waitFor('the two new messages', async () => (resumed.length >= 2 ? true : undefined), 20_000);
      await new Promise((r) => setTimeout(r, 500)); // room for any replay to show up
      expect(resumed).toEqual([4, 5]);
    } finally {
      await stopAgain();
    }
  });

  it('consumeDurableBatches with a gather hands a trickle of messages on in few batches, in order, each acked once after its handler', async () => {
    const { stream, prefix } = await newStream();
    const durable = `d_${id()}`;
    const batches: number[][] = [];
    const stop = await js.consumeDurableBatches(
      stream,
      durable,
      (batch) => {
        batches.push(batch.map((m) => (m.data as { n: number }).n));
        return Promise.resolve();
      },
      (error) => {
        throw error;
      },
      { maxBatch: 100, gatherMs: 1500 },
    );
    try {
      // 10 messages a few ms apart: without the gather each would be a batch of its own.
      for (let n = 1; n <= 10; n += 1) {
        await js.publish(`${prefix}.e`, { n }, `${prefix}-${n}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      await waitFor('ten messages handled', async () => (batches.flat().length >= 10 ? true : undefined), 20_000);
      expect(batches.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(batches.length).toBeLessThanOrEqual(2);
      const jsm = await nc.jetstreamManager();
      await waitFor('every ack to reach the server', async () => {
        const info = await jsm.consumers.info(stream, durable);
        return info.num_ack_pending === 0 && info.ack_floor.stream_seq === 10 ? true : undefined;
      });
    } finally {
      await stop();
    }
  });

  it('follow replays the subject in order, then delivers new messages live, and ends when the signal aborts', async () => {
    const { prefix } = await newStream();
    const subject = `${prefix}.job.1`;
    for (const n of [1, 2, 3]) await js.publish(subject, { n }, `${subject}-${n}`);
    await js.publish(`${prefix}.job.2`, { n: 99 }, `${prefix}-other`);

    const abort = new AbortController();
    const got: unknown[] = [];
    const following = (async () => {
      for await (const data of js.follow(subject, abort.signal)) got.push(data);
    })();

    await waitFor('the replay', async () => (got.length >= 3 ? true : undefined));
    expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);

    await js.publish(subject, { n: 4 }, `${subject}-4`);
    await waitFor('the live message', async () => (got.length >= 4 ? true : undefined));

    abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((r) => (timer = setTimeout(() => r('still running'), 5_000)));
    expect(await Promise.race([following.then(() => 'ended'), deadline])).toBe('ended');
    clearTimeout(timer);

    await js.publish(subject, { n: 5 }, `${subject}-5`);
    expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  });

  it('follow deletes its consumer on the server as soon as it is aborted or left', async () => {
    const { stream, prefix } = await newStream();
    const subject = `${prefix}.job.1`;
    await js.publish(subject, { n: 1 }, `${subject}-1`);
    const jsm = await nc.jetstreamManager();
    const consumers = async () => (await jsm.streams.info(stream)).state.consumer_count;

    const abort = new AbortController();
    const got: unknown[] = [];
    const aborted = (async () => {
      for await (const data of js.follow(subject, abort.signal)) got.push(data);
    })();
    const left = (async () => {
      for await (const data of js.follow(subject, new AbortController().signal)) return data;
      return undefined;
    })();
    expect(await left).toEqual({ n: 1 });
    await waitFor('the aborted follower', async () => (got.length === 1 ? true : undefined));
    expect(await consumers()).toBe(1);
    abort.abort();
    await aborted;
    expect(await consumers()).toBe(0);
  });

  it('lastOn gives the last message of a subject, or undefined when the stream holds none for it', async () => {
    const { stream, prefix } = await newStream();
    for (const n of [1, 2]) await js.publish(`${prefix}.a`, { n }, `${prefix}-a-${n}`);
    await js.publish(`${prefix}.b`, { n: 3 }, `${prefix}-b-3`);
    expect(await js.lastOn(stream, `${prefix}.a`)).toEqual({ n: 2 });
    expect(await js.lastOn(stream, `${prefix}.none`)).toBeUndefined();
  });
});

describe('JetStreamRepository.follow with an aborted signal [real: nats-server 2.9]', () => {
  it('returns at once when the signal was aborted before it started', async () => {
    const nats = await startNats();
    const nc = await connectNats({ ...nats.clientFor(nats.tester), name: 'follow-aborted' });
    try {
      const repo = new JetStreamRepository(nc);
      const abort = new AbortController();
      abort.abort();
      const got: unknown[] = [];
      for await (const data of repo.follow('cairn.jobs.events.none', abort.signal)) got.push(data);
      expect(got).toEqual([]);
    } finally {
      await nc.close();
      await nats.stop();
    }
  });
});

describe('NatsRequester [real: nats-server 2.9]', () => {
  const replySchema = z.object({ n: z.number() }).transform((v) => v.n);
  let nats: TestNats;
  let nc: NatsConnection;
  let requester: NatsRequester;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats({ ...nats.clientFor(nats.tester), name: 'requester-int-spec' });
    requester = new NatsRequester(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  /** A plain subscriber on a fresh subject that answers every request with `reply(request)`, raw. */
  async function responder(reply: (request: unknown) => Uint8Array | undefined): Promise<string> {
    const subject = `test.rpc.${id()}`;
    const sub = nc.subscribe(subject);
    void (async () => {
      for await (const msg of sub) {
        const answer = reply(JSON.parse(new TextDecoder().decode(msg.data)));
        if (answer) msg.respond(answer);
      }
    })();
    await nc.flush();
    return subject;
  }

  it('sends the payload as JSON and returns the ok data, parsed by the reply schema', async () => {
    const subject = await responder((request) => encodeJson({ ok: true, data: { n: (request as { n: number }).n + 1, extra: 'x' } }));
    await expect(requester.request(subject, { n: 41 }, replySchema)).resolves.toBe(42);
  });

  it('throws an error envelope back as the CairnError it was', async () => {
    const subject = await responder(() => encodeJson({ ok: false, error: { code: 'NOT_FOUND', message: 'job j-1 not found' } }));
    const request = requester.request(subject, {}, replySchema);
    await expect(request).rejects.toThrow('job j-1 not found');
    expect(await errorCode(requester.request(subject, {}, replySchema))).toBe('NOT_FOUND');
  });

  it('is UNAVAILABLE when nobody subscribes to the subject', async () => {
    expect(await errorCode(requester.request(`test.rpc.nobody.${id()}`, {}, replySchema))).toBe('UNAVAILABLE');
  });

  it('is DEADLINE_EXCEEDED when the responder never answers', async () => {
    const subject = await responder(() => undefined);
    expect(await errorCode(requester.request(subject, {}, replySchema, 300))).toBe('DEADLINE_EXCEEDED');
  });

  it('is INTERNAL when the reply does not match the schema, or is not an envelope', async () => {
    const wrongShape = await responder(() => encodeJson({ ok: true, data: { n: 'forty-two' } }));
    expect(await errorCode(requester.request(wrongShape, {}, replySchema))).toBe('INTERNAL');

    const notEnvelope = await responder(() => encodeJson({ n: 42 }));
    expect(await errorCode(requester.request(notEnvelope, {}, replySchema))).toBe('INTERNAL');
  });
});
