import { randomBytes } from 'node:crypto';
import { CairnError, ERROR_CODES } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { errorCode, startNats, strictMock, type TestNats } from '@cairn/testing';
import fc from 'fast-check';
import type { NatsConnection } from 'nats';
import { of } from 'rxjs';
import { z } from 'zod';
import { connectNats, decodeJson, NatsRequester, NatsRpcTransport, type NatsRpcTransportOptions } from '../src';

const id = () => randomBytes(4).toString('hex');
const anything = z.unknown();

describe('NatsRpcTransport request/reply [real: nats-server 2.9]', () => {
  let nats: TestNats;
  let client: NatsConnection;
  let requester: NatsRequester;
  const servers: NatsConnection[] = [];
  const transports: NatsRpcTransport[] = [];
  let logged: Array<{ level: string; args: unknown[] }>;
  const logger = strictMock<Logger>(
    {
      error: (...args: unknown[]) => void logged.push({ level: 'error', args }),
      warn: (...args: unknown[]) => void logged.push({ level: 'warn', args }),
    },
    'logger',
  );

  beforeAll(async () => {
    nats = await startNats();
    client = await connectNats({ ...nats.clientFor(nats.tester), name: 'rpc-client' });
    requester = new NatsRequester(client);
  });

  beforeEach(() => {
    logged = [];
  });

  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    await Promise.all(servers.map((s) => s.close()));
    await client?.close();
    await nats?.stop();
  });

  /** A transport on its own connection with these handlers, listening. */
  async function serve(
    handlers: Record<string, (data: unknown) => unknown>,
    options: Partial<NatsRpcTransportOptions> = {},
  ): Promise<NatsRpcTransport> {
    const server = await connectNats({ ...nats.clientFor(nats.tester), name: `rpc-server-${id()}` });
    servers.push(server);
    const transport = new NatsRpcTransport(server, { queue: `q-${id()}`, service: 'rpc', healthSubjects: [], logger, ...options });
    for (const [pattern, handle] of Object.entries(handlers)) {
      transport.addHandler(pattern, (data: unknown) => Promise.resolve(handle(data)), false);
    }
    transports.push(transport);
    await new Promise<void>((resolve) => transport.listen(() => resolve()));
    await server.flush();
    return transport;
  }

  it("answers with the handler's result in Cairn's envelope, from a value or an Observable", async () => {
    const subject = `test.rpc.${id()}`;
    await serve({ [`${subject}.value`]: (data) => ({ echo: data }), [`${subject}.observable`]: (data) => of({ seen: data }) });

    expect(await requester.request(`${subject}.value`, { n: 1, s: 'é' }, anything)).toEqual({ echo: { n: 1, s: 'é' } });
    expect(await requester.request(`${subject}.observable`, [1, 2], anything)).toEqual({ seen: [1, 2] });
    const raw = await client.request(`${subject}.value`, new TextEncoder().encode('{"a":1}'), { timeout: 5_000 });
    expect(decodeJson(raw.data)).toEqual({ ok: true, data: { echo: { a: 1 } } });
  });

  it('gives the handler undefined for an empty body', async () => {
    const subject = `test.rpc.${id()}`;
    const seen: unknown[] = [];
    await serve({ [subject]: (data) => (seen.push(data), 'ok') });
    const raw = await client.request(subject, new Uint8Array(0), { timeout: 5_000 });
    expect(decodeJson(raw.data)).toEqual({ ok: true, data: 'ok' });
    expect(seen).toEqual([undefined]);
  });

  it('serves each handler on the subject subjectFor names for its pattern', async () => {
    const site = `site${id()}`;
    await serve({ 'agent.ping': () => 'pong' }, { subjectFor: (pattern) => `test.site.${site}.${pattern}` });
    expect(await requester.request(`test.site.${site}.agent.ping`, {}, anything)).toBe('pong');
    expect(await errorCode(requester.request('agent.ping', {}, anything, 1_000))).toBe('UNAVAILABLE'); // no responders on the bare pattern
  });

  it('sends each domain error back with its code and message, logging none of them but INTERNAL', async () => {
    const subject = `test.rpc.${id()}`;
    await serve({ [subject]: (data) => Promise.reject(new CairnError((data as { code: (typeof ERROR_CODES)[number] }).code, 'refused here')) });
    for (const code of ERROR_CODES) {
      const raw = await client.request(subject, new TextEncoder().encode(JSON.stringify({ code })), { timeout: 5_000 });
      expect(decodeJson(raw.data)).toEqual({ ok: false, error: { code, message: 'refused here' } });
    }
    expect(logged.map((l) => l.level)).toEqual(['error']);
  });

  it('answers an unexpected error as INTERNAL without its text, logs it with the subject, and keeps serving', async () => {
    const subject = `test.rpc.${id()}`;
    const secret = new Error('connection string postgres://u:hunter2@db');
    await serve({ [subject]: (data) => (data === 'boom' ? Promise.reject(secret) : 'fine') });

    const raw = await client.request(subject, new TextEncoder().encode('"boom"'), { timeout: 5_000 });
    expect(decodeJson(raw.data)).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
    expect(logged).toEqual([{ level: 'error', args: [{ err: secret, subject }, 'handler failed'] }]);
    expect(await requester.request(subject, 'again', anything)).toBe('fine');
  });

  it('refuses any body that is not JSON with INVALID_ARGUMENT, before the handler runs', async () => {
    const subject = `test.rpc.${id()}`;
    let calls = 0;
    await serve({ [subject]: () => (calls++, 'ran') });
    const notJson = fc.uint8Array({ minLength: 1, maxLength: 2048 }).filter((bytes) => {
      try {
        JSON.parse(new TextDecoder().decode(bytes));
        return false;
      } catch {
        return true;
      }
    });
    await fc.assert(
      fc.asyncProperty(notJson, async (bytes) => {
        const raw = await client.request(subject, bytes, { timeout: 5_000 });
        expect(decodeJson(raw.data)).toEqual({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'request body is not valid JSON' } });
      }),
      { numRuns: 50 },
    );
    expect(calls).toBe(0);
    expect(logged).toEqual([]);
  });

  it('runs a message without a reply subject and sends nothing', async () => {
    const subject = `test.rpc.${id()}`;
    const seen: unknown[] = [];
    let done!: () => void;
    const handled = new Promise<void>((resolve) => (done = resolve));
    await serve({ [subject]: (data) => (seen.push(data), done(), 'unheard') });
    client.publish(subject, new TextEncoder().encode('{"fire":"and forget"}'));
    await handled;
    expect(seen).toEqual([{ fire: 'and forget' }]);
    expect(logged).toEqual([]);
  });

  it('shares the work of one queue group: each request is handled by exactly one replica', async () => {
    const subject = `test.rpc.${id()}`;
    const queue = `shared-${id()}`;
    const handledBy: string[] = [];
    await serve({ [subject]: () => (handledBy.push('a'), 'a') }, { queue });
    await serve({ [subject]: () => (handledBy.push('b'), 'b') }, { queue });
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => requester.request(subject, { i }, z.enum(['a', 'b']))));
    expect(handledBy).toHaveLength(40);
    expect(answers.slice().sort()).toEqual(handledBy.slice().sort());
  });

  it('refuses at listen two handlers that land on one subject', async () => {
    const server = await connectNats({ ...nats.clientFor(nats.tester), name: `rpc-dup-${id()}` });
    servers.push(server);
    const transport = new NatsRpcTransport(server, { queue: 'dup', service: 'rpc', healthSubjects: [], logger, subjectFor: () => 'test.same.subject' });
    transport.addHandler('one', () => Promise.resolve(1), false);
    transport.addHandler('two', () => Promise.resolve(2), false);
    transports.push(transport);
    expect(() => transport.listen(() => undefined)).toThrow('two handlers for NATS subject test.same.subject');
  });

  it('stops answering once closed', async () => {
    const subject = `test.rpc.${id()}`;
    const transport = await serve({ [subject]: () => 'open' });
    expect(await requester.request(subject, {}, anything)).toBe('open');
    await transport.close();
    expect(await errorCode(requester.request(subject, {}, anything, 1_000))).toBe('UNAVAILABLE');
  });
});
