import { createServer, type Server as HttpServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Metadata, Server, ServerCredentials, type ServerUnaryCall, type ServerWritableStream, type ServiceDefinition, type sendUnaryData, status } from '@grpc/grpc-js';
import { createLogger } from '@cairn/logging';
import { apiRoutes, findRoute } from './api-routes';
import { forwardCall } from './grpc-web-bridge';
import { messageFrame, readFrames } from './grpc-web-frames';
import { Upstream } from './upstream';

// A real grpc-js server on a unix socket (as the gateway's), with raw bytes as messages,
// and a real HTTP server whose handler is the bridge: what goes in comes out unchanged.
const raw = (path: string, responseStream: boolean) => ({
  path,
  requestStream: false,
  responseStream,
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
});
const definition: ServiceDefinition = {
  Echo: raw('/test.v1.Bridge/Echo', false),
  Fail: raw('/test.v1.Bridge/Fail', false),
  Tick: raw('/test.v1.Bridge/Tick', true),
  Hang: raw('/test.v1.Bridge/Hang', false),
};

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';

describe('forwardCall (the gRPC-Web bridge) [real: grpc-js server on a unix socket, node:http]', () => {
  let dir: string;
  let grpc: Server;
  let http: HttpServer;
  let base: string;
  let upstream: Upstream;
  const seen: { authorization?: string; timeout?: string; peer?: string }[] = [];
  let cancelled: () => void = () => undefined;
  let ticksCancelled: Promise<void>;
  let logged = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portal-bridge-'));
    const socket = join(dir, 'grpc.sock');
    ticksCancelled = new Promise((resolve) => (cancelled = resolve));
    grpc = new Server();
    grpc.addService(definition, {
      Echo: (call: ServerUnaryCall<Buffer, Buffer>, done: sendUnaryData<Buffer>) => {
        seen.push({ authorization: String(call.metadata.get('authorization')[0]), timeout: call.getDeadline() === Infinity ? undefined : 'set', peer: String(call.metadata.get('cairn-portal-peer')[0]) });
        done(null, call.request);
      },
      Fail: (_call: ServerUnaryCall<Buffer, Buffer>, done: sendUnaryData<Buffer>) => done({ code: status.NOT_FOUND, details: 'job 7 not found (ünïcode, 100%)', metadata: new Metadata() }),
      Tick: (call: ServerWritableStream<Buffer, Buffer>) => {
        let n = 0;
        const timer = setInterval(() => call.write(Buffer.from([n++])), 20);
        call.on('cancelled', () => {
          clearInterval(timer);
          cancelled();
        });
      },
      Hang: () => undefined,
    });
    await new Promise<void>((resolve, reject) => grpc.bindAsync(`unix:${socket}`, ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
    upstream = new Upstream(socket);
    const routes = apiRoutes([definition]);
    const logger = createLogger('test', 'debug', new Writable({ write: (chunk, _enc, next) => ((logged += String(chunk)), next()) }));
    http = createServer((req, res) => {
      const route = findRoute(routes, req.url ?? '');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!route) return void res.writeHead(404).end();
        const timeout = req.headers['grpc-timeout'];
        void forwardCall({ upstream, route, body: Buffer.concat(chunks), accessToken: TOKEN, res, logger, clientAddress: '192.0.2.7', ...(typeof timeout === 'string' ? { grpcTimeout: timeout } : {}) });
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api`;
  });

  afterAll(async () => {
    upstream.close();
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
    grpc.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (method: string, body: Buffer, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(`${base}/test.v1.Bridge/${method}`, { method: 'POST', body, headers: { 'content-type': 'application/grpc-web+proto', ...headers }, ...(signal ? { signal } : {}) });

  it('forwards the message byte for byte with the session\'s token, and answers its reply then the trailer frame', async () => {
    const message = Buffer.from([0, 1, 2, 250, 255, 0x80, 0x0a]);
    const res = await post('Echo', messageFrame(message));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/grpc-web+proto');
    const frames = readFrames(Buffer.from(await res.arrayBuffer()));
    expect(frames).toEqual([{ kind: 'message', data: message }, { kind: 'trailers', trailers: { 'grpc-status': '0', 'grpc-message': 'OK' } }]);
    expect(seen.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen.at(-1)?.peer).toBe('192.0.2.7');
    expect(logged).not.toContain(TOKEN);
  });

  it('passes an error status and its message through in the trailer frame', async () => {
    const frames = readFrames(Buffer.from(await (await post('Fail', messageFrame(Buffer.alloc(0)))).arrayBuffer()));
    expect(frames).toHaveLength(1);
    const [trailers] = frames;
    expect(trailers?.kind === 'trailers' && trailers.trailers['grpc-status']).toBe('5');
    expect(trailers?.kind === 'trailers' && decodeURIComponent(trailers.trailers['grpc-message'] ?? '')).toBe('job 7 not found (ünïcode, 100%)');
  });

  it('writes a server stream frame by frame as it comes, and cancels the upstream call when the client goes away', async () => {
    const abort = new AbortController();
    const res = await post('Tick', messageFrame(Buffer.alloc(0)), {}, abort.signal);
    const reader = res.body?.getReader();
    if (!reader) throw new Error('no body');
    const received: number[] = [];
    let pending = Buffer.alloc(0);
    while (received.length < 3) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      pending = Buffer.concat([pending, Buffer.from(value)]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
        const length = pending.readUInt32BE(1);
        received.push(pending[5] ?? -1);
        expect(length).toBe(1);
        pending = pending.subarray(5 + length);
      }
    }
    expect(received.slice(0, 3)).toEqual([0, 1, 2]);
    abort.abort();
    await ticksCancelled;
  });

  it('honours grpc-timeout: the call ends DEADLINE_EXCEEDED and upstream gets the deadline too', async () => {
    const res = await post('Hang', messageFrame(Buffer.alloc(0)), { 'grpc-timeout': '200m' });
    const frames = readFrames(Buffer.from(await res.arrayBuffer()));
    const last = frames.at(-1);
    expect(last?.kind === 'trailers' && last.trailers['grpc-status']).toBe('4');
    await post('Echo', messageFrame(Buffer.alloc(0)), { 'grpc-timeout': '5S' });
    expect(seen.at(-1)?.timeout).toBe('set');
  });

  it('answers UNAVAILABLE when the gRPC server is not there', async () => {
    const gone = new Upstream(join(dir, 'nobody.sock'));
    const server = createServer((_req, res) => void forwardCall({ upstream: gone, route: { path: '/test.v1.Bridge/Echo', serverStreaming: false }, body: messageFrame(Buffer.alloc(0)), accessToken: TOKEN, res, logger: createLogger('test', 'silent') }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { method: 'POST' });
      const last = readFrames(Buffer.from(await res.arrayBuffer())).at(-1);
      expect(last?.kind === 'trailers' && last.trailers['grpc-status']).toBe('14');
    } finally {
      gone.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
