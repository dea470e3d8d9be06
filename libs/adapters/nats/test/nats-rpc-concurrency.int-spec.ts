import { randomBytes } from 'node:crypto';
import { createLogger } from '@cairn/logging';
import { startNats, type TestNats, waitFor } from '@cairn/testing';
import type { NatsConnection } from 'nats';
import { z } from 'zod';
import { connectNats, DEFAULT_MAX_CONCURRENT_REQUESTS, NatsRequester, NatsRpcTransport } from '../src';

const id = () => randomBytes(4).toString('hex');
const answer = z.object({ n: z.number().int() });
const health = z.object({ service: z.string(), status: z.literal('SERVING') });

/** Handlers that block until released, counting how many run at once. */
class BlockingHandlers {
  running = 0;
  maxRunning = 0;
  started = 0;
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));

  readonly handle = async (data: unknown): Promise<{ n: number }> => {
    this.started += 1;
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await this.gate;
    this.running -= 1;
    return { n: (data as { n: number }).n };
  };

  open(): void {
    this.release();
  }
}

describe('NatsRpcTransport request limit [real: nats-server 2.9]', () => {
  let nats: TestNats;
  let client: NatsConnection;
  let requester: NatsRequester;
  const servers: NatsConnection[] = [];
  const transports: NatsRpcTransport[] = [];

  beforeAll(async () => {
    nats = await startNats();
    client = await connectNats({ ...nats.clientFor(nats.tester), name: 'limit-client' });
    requester = new NatsRequester(client);
  });

  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await Promise.all(servers.map((s) => s.close()));
    await client?.close();
    await nats?.stop();
  });

  /** A transport on its own connection serving `handlers` on each of `subjects`. */
  async function serve(subjects: string[], handlers: BlockingHandlers, maxConcurrentRequests?: number): Promise<string> {
    const server = await connectNats({ ...nats.clientFor(nats.tester), name: `limit-server-${id()}` });
    servers.push(server);
    const healthSubject = `test.limit.${id()}.health`;
    const transport = new NatsRpcTransport(server, {
      queue: `limit-${id()}`,
      service: 'limit',
      healthSubjects: [healthSubject],
      logger: createLogger('limit', 'silent'),
      ...(maxConcurrentRequests === undefined ? {} : { maxConcurrentRequests }),
    });
    for (const subject of subjects) transport.addHandler(subject, handlers.handle, false);
    transports.push(transport);
    await new Promise<void>((resolve) => transport.listen(() => resolve()));
    await server.flush();
    return healthSubject;
  }

  /**
   * Sends `count` requests spread over `subjects`, checks that exactly `cap` handlers run
   * while the rest wait (and that health still answers), then releases them and checks
   * that every request gets its own answer, once.
   */
  async function overTheCap(subjects: string[], count: number, cap: number, maxConcurrentRequests?: number): Promise<void> {
    const handlers = new BlockingHandlers();
    const healthSubject = await serve(subjects, handlers, maxConcurrentRequests);
    const replies = Array.from({ length: count }, (_, n) => requester.request(subjects[n % subjects.length] ?? '', { n }, answer, 60_000));
    await waitFor(`${cap} handlers running`, async () => (handlers.running === cap ? true : undefined), 20_000, 10);
    // The health probe is sent after every request on the same connection, so the server
    // delivered every request to the service before it: the others are waiting, not late.
    expect(await requester.request(healthSubject, {}, health, 10_000)).toEqual({ service: 'limit', status: 'SERVING' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(handlers.started).toBe(cap);
    expect(handlers.maxRunning).toBe(cap);

    handlers.open();
    const answers = await Promise.all(replies);
    expect(answers.map((a) => a.n)).toEqual(Array.from({ length: count }, (_, n) => n));
    expect(handlers.started).toBe(count);
    expect(handlers.maxRunning).toBe(cap);
    expect(handlers.running).toBe(0);
  }

  it('runs at most the configured number of handlers at once, all subjects together, and answers every request once released', async () => {
    await overTheCap([`test.limit.${id()}.a`, `test.limit.${id()}.b`], 40, 5, 5);
  });

  it('with a limit of 1, handles one request at a time and answers all of them', async () => {
    await overTheCap([`test.limit.${id()}.one`], 10, 1, 1);
  });

  it('without a limit in its options, runs at most DEFAULT_MAX_CONCURRENT_REQUESTS (64) at once', async () => {
    expect(DEFAULT_MAX_CONCURRENT_REQUESTS).toBe(64);
    await overTheCap([`test.limit.${id()}.default`], 3 * DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_CONCURRENT_REQUESTS);
  });
});
