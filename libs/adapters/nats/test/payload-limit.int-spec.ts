import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { CairnError } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { errorCode, startNats, type TestNats } from '@cairn/testing';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { connectNats, JetStreamRepository, NatsRequester, NatsRpcTransport } from '../src';

const MAX = 16 * 1024;
const id = () => randomBytes(4).toString('hex');
const text = z.object({ text: z.string() });

describe('message size limits [real: nats-server 2.9 with max_payload 16 KiB]', () => {
  let nats: TestNats;
  let server: NatsConnection;
  let client: NatsConnection;
  let transport: NatsRpcTransport;
  let requester: NatsRequester;
  const subject = `test.limits.${id()}`;
  const received: number[] = [];

  beforeAll(async () => {
    nats = await startNats({ maxPayload: MAX });
    server = await connectNats({ ...nats.clientFor(nats.tester), name: 'limits-server', minMaxPayload: MAX });
    client = await connectNats({ ...nats.clientFor(nats.tester), name: 'limits-client', minMaxPayload: MAX });
    transport = new NatsRpcTransport(server, { queue: 'limits', healthSubjects: [`${subject}.health`], service: 'limits', logger: createLogger('limits', 'silent') });
    // Answers { size } with a text of that many characters; records what it was sent.
    transport.addHandler(
      `${subject}.echo`,
      async (data: unknown) => {
        const size = (data as { size?: number }).size ?? 0;
        received.push(size);
        return { text: 'x'.repeat(size) };
      },
      false,
    );
    await new Promise<void>((resolve) => transport.listen(() => resolve()));
    await server.flush();
    requester = new NatsRequester(client);
  });

  afterAll(async () => {
    await transport?.close();
    await server?.close();
    await client?.close();
    await nats?.stop();
  });

  it('refuses, by default, a server whose max_payload is below the 1 MiB Cairn is sized for', async () => {
    await expect(connectNats({ ...nats.clientFor(nats.tester), name: 'limits-default' })).rejects.toThrow(`accepts messages of at most ${MAX} bytes (max_payload); Cairn needs at least 1048576`);
  });

  it("answers a reply over the server's max_payload with RESOURCE_EXHAUSTED naming both sizes, and keeps serving", async () => {
    const failure = requester.request(`${subject}.echo`, { size: 3 * MAX }, text);
    await expect(failure).rejects.toThrow(new RegExp(`the reply on ${subject}\\.echo is ${3 * MAX + 30} bytes; the NATS server accepts at most ${MAX} bytes`));
    expect(await errorCode(requester.request(`${subject}.echo`, { size: 3 * MAX }, text))).toBe('RESOURCE_EXHAUSTED');
    await expect(requester.request(`${subject}.echo`, { size: 10 }, text)).resolves.toEqual({ text: 'x'.repeat(10) });
  });

  it('gets every reply size around the limit back whole or as RESOURCE_EXHAUSTED, never a lost process', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: MAX - 200, max: MAX + 200 }), async (size) => {
        const outcome = await requester.request(`${subject}.echo`, { size }, text).then(
          (reply) => reply.text.length,
          (error: unknown) => (error instanceof CairnError ? error.code : 'other'),
        );
        expect(outcome === size || outcome === 'RESOURCE_EXHAUSTED').toBe(true);
      }),
      { numRuns: 25 },
    );
    await expect(requester.request(`${subject}.health`, {}, z.object({ status: z.literal('SERVING') }))).resolves.toEqual({ status: 'SERVING' });
  });

  it('refuses a request over the limit before sending it: RESOURCE_EXHAUSTED at the caller, nothing reaches the service', async () => {
    received.length = 0;
    const oversized = { size: 1, padding: 'p'.repeat(MAX) };
    await expect(requester.request(`${subject}.echo`, oversized, text)).rejects.toThrow(/the request on .* is \d+ bytes; the NATS server accepts at most 16384 bytes/);
    expect(await errorCode(requester.request(`${subject}.echo`, oversized, text))).toBe('RESOURCE_EXHAUSTED');
    await requester.request(`${subject}.echo`, { size: 1 }, text);
    expect(received).toEqual([1]);
  });

  it('refuses a JetStream publish over the limit, and an outbox drain goes on past such a row', async () => {
    const js = new JetStreamRepository(client);
    const name = `L_${id()}`;
    await js.ensureStream({ name, subjects: [`test.${name}.>`] });
    expect(await errorCode(js.publish(`test.${name}.big`, { pad: 'p'.repeat(MAX) }, 'big-1'))).toBe('RESOURCE_EXHAUSTED');

    const rows = [
      { id: '1', pad: 'p'.repeat(MAX) },
      { id: '2', pad: 'small' },
    ];
    let published: string[] = [];
    const dropped: string[] = [];
    await js.drainOutbox(
      {
        unpublished: () => Promise.resolve(rows.filter((r) => !published.includes(r.id))),
        markPublished: (ids) => {
          published = [...published, ...ids];
          return Promise.resolve();
        },
        message: (row) => ({ subject: `test.${name}.row`, data: row, msgId: `row-${row.id}` }),
      },
      10,
      (row, error) => dropped.push(`${row.id}: ${error.code}`),
    );
    expect(dropped).toEqual(['1: RESOURCE_EXHAUSTED']);
    const info = await (await client.jetstreamManager()).streams.info(name);
    expect(info.state.messages).toBe(1);
  });
});
