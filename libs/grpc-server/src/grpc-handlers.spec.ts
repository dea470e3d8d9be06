import {
  Client,
  type ClientReadableStream,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type ServiceError,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { CairnError } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { ALICE, bearer, strictMock, testDoor } from '@cairn/testing';
import { MAX_TOKEN_CHARS } from './door';
import { grpcHandlers } from './grpc-handlers';
import { WatchLimiter } from './watch-limiter';

interface Req {
  id: string;
}
interface Res {
  text: string;
}

const json = {
  requestSerialize: (value: Req) => Buffer.from(JSON.stringify(value)),
  requestDeserialize: (data: Buffer): Req => ({ id: String((JSON.parse(data.toString()) as { id?: unknown }).id) }),
  responseSerialize: (value: Res) => Buffer.from(JSON.stringify(value)),
  responseDeserialize: (data: Buffer): Res => ({ text: String((JSON.parse(data.toString()) as { text?: unknown }).text) }),
};
const definition: ServiceDefinition = {
  get: { path: '/test.Test/Get', requestStream: false, responseStream: false, ...json },
  watch: { path: '/test.Test/Watch', requestStream: false, responseStream: true, ...json },
};

describe('grpcHandlers [real: grpc-js server and client]', () => {
  let server: Server;
  let client: Client;
  let sourceReads = 0;
  const quiet = strictMock<Logger>({ error: () => undefined }, 'logger');
  const door = testDoor();
  const callers: unknown[] = [];

  beforeAll(async () => {
    // One watch in all: a second one at once is refused.
    const handlers = grpcHandlers(quiet, new WatchLimiter({ perClient: 1, total: 1 }), door);
    const implementation: UntypedServiceImplementation = {
      get: handlers.unary((request: Req, caller) => (callers.push(caller), request.id === 'bad' ? Promise.reject(new CairnError('NOT_FOUND', 'no such id')) : Promise.resolve({ text: `hi ${request.id}` }))),
      watch: handlers.watch(async function* (request: Req, signal: AbortSignal, caller) {
        callers.push(caller);
        sourceReads += 1;
        yield { text: `${request.id}-1` };
        if (request.id === 'hold') await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        yield { text: `${request.id}-2` };
      }),
    };
    server = new Server();
    server.addService(definition, implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });
  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  const get = (id: string, metadata = bearer(new Metadata())) =>
    new Promise<{ error: ServiceError | null; response?: Res }>((resolve) =>
      client.makeUnaryRequest('/test.Test/Get', json.requestSerialize, json.responseDeserialize, { id }, metadata, (error, response) => resolve({ error, response })),
    );
  const watch = (id: string, metadata = bearer(new Metadata())) =>
    client.makeServerStreamRequest('/test.Test/Watch', json.requestSerialize, json.responseDeserialize, { id }, metadata);
  /** What a watch streamed, and the status it ended with. */
  const drain = (stream: ClientReadableStream<Res>) =>
    new Promise<{ texts: string[]; code: number }>((resolve) => {
      const texts: string[] = [];
      stream.on('data', (message: Res) => texts.push(message.text));
      stream.on('error', (error: ServiceError) => resolve({ texts, code: error.code }));
      stream.on('status', (end: { code: number }) => {
        if (end.code === status.OK) resolve({ texts, code: end.code });
      });
    });

  it('unary: the request reaches the handler and its answer the caller; a refusal becomes its status', async () => {
    expect(await get('ada')).toEqual({ error: null, response: { text: 'hi ada' } });
    expect((await get('bad')).error).toMatchObject({ code: status.NOT_FOUND, details: 'no such id' });
  });

  it('watch: streams what the source yields for the request, ends the call and frees its slot', async () => {
    expect(await drain(watch('a'))).toEqual({ texts: ['a-1', 'a-2'], code: status.OK });
    expect(await drain(watch('b'))).toEqual({ texts: ['b-1', 'b-2'], code: status.OK });
  });

  it('watch: over the cap a call ends with RESOURCE_EXHAUSTED and its source is never read; a cancelled watch frees its slot', async () => {
    const held = watch('hold');
    const first = new Promise<void>((resolve) => held.once('data', () => resolve()));
    await first;
    const reads = sourceReads;
    expect(await drain(watch('c'))).toEqual({ texts: [], code: status.RESOURCE_EXHAUSTED });
    expect(sourceReads).toBe(reads);
    const cancelled = new Promise<void>((resolve) => held.on('error', () => resolve()));
    held.cancel();
    await cancelled;
    // The server frees the slot once it has seen the cancel: the next watch may still race it.
    let after = await drain(watch('d'));
    for (let tries = 0; tries < 100 && after.code === status.RESOURCE_EXHAUSTED; tries += 1) after = await drain(watch('d'));
    expect(after).toEqual({ texts: ['d-1', 'd-2'], code: status.OK });
  });

  it('the door: each handler gets the authenticated caller; without a valid token neither kind runs (UNAUTHENTICATED, audited)', async () => {
    callers.length = 0;
    await get('ada');
    await drain(watch('w'));
    expect(callers).toEqual([ALICE, ALICE]);
    const reads = sourceReads;
    expect((await get('ada', new Metadata())).error).toMatchObject({ code: status.UNAUTHENTICATED });
    expect(await drain(watch('w', bearer(new Metadata(), 'forged')))).toEqual({ texts: [], code: status.UNAUTHENTICATED });
    expect(sourceReads).toBe(reads);
    expect(callers).toEqual([ALICE, ALICE]);
    expect(door.refused.map((event) => [event.rpc, event.outcome])).toEqual([
      ['/test.Test/Get', 'UNAUTHENTICATED'],
      ['/test.Test/Watch', 'UNAUTHENTICATED'],
    ]);
  });

  it('the door: a token of the longest size the clients send reaches the authenticator whole', async () => {
    const seen: number[] = [];
    const longest = 'a'.repeat(MAX_TOKEN_CHARS);
    const measuring = { ...door, authenticator: { authenticate: (token: string) => (seen.push(token.length), door.authenticator.authenticate(token)) } };
    const handlers = grpcHandlers(quiet, new WatchLimiter({ perClient: 1, total: 1 }), measuring);
    const big = new Server();
    big.addService(definition, { get: handlers.unary(() => Promise.resolve({ text: 'in' })), watch: handlers.watch(async function* () {
      yield { text: 'in' };
    }) });
    const port = await new Promise<number>((resolve, reject) => big.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    const bigClient = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const answer = await new Promise<ServiceError | null>((resolve) =>
        bigClient.makeUnaryRequest('/test.Test/Get', json.requestSerialize, json.responseDeserialize, { id: 'x' }, bearer(new Metadata(), longest), (error) => resolve(error)),
      );
      // The test door knows one token only: refused, but after reading all of this one.
      expect(answer).toMatchObject({ code: status.UNAUTHENTICATED });
      expect(seen).toEqual([MAX_TOKEN_CHARS]);
    } finally {
      bigClient.close();
      big.forceShutdown();
    }
  });
});
