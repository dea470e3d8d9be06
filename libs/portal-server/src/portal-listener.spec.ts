import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@cairn/logging';
import { makeTestCa } from '@cairn/testing';
import { PortalListener } from './portal-listener';

describe('PortalListener (HTTPS) [real: a private CA from tools/tls/make-certs.sh]', () => {
  let dir: string;
  let ca: Buffer;
  let listener: PortalListener;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portal-tls-'));
    const files = makeTestCa(dir);
    ca = readFileSync(files.file);
    listener = new PortalListener({
      address: '127.0.0.1:0',
      transport: { tls: { cert: readFileSync(files.serverCert), key: readFileSync(files.serverKey) } },
      logger: createLogger('test', 'silent'),
      handler: (req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end(`HTTP/${req.httpVersion}`);
      },
    });
    port = await listener.start();
  });
  afterAll(async () => {
    await listener.stop(50);
    rmSync(dir, { recursive: true, force: true });
  });

  it('speaks HTTP/2 (ALPN h2), at most 256 streams at once per connection', async () => {
    const session = connect(`https://localhost:${port}`, { ca });
    try {
      await new Promise<void>((resolve, reject) => session.once('remoteSettings', () => resolve()).once('error', reject));
      expect(session.alpnProtocol).toBe('h2');
      expect(session.remoteSettings.maxConcurrentStreams).toBe(256);
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ':path': '/' });
        let text = '';
        stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
        stream.on('end', () => resolve(text));
        stream.on('error', reject);
      });
      expect(body).toBe('HTTP/2.0');
    } finally {
      session.close();
    }
  });

  it('still answers an HTTP/1.1 client over TLS', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      httpsRequest({ host: 'localhost', port, path: '/', ca }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      })
        .once('error', reject)
        .end();
    });
    expect(body).toBe('HTTP/1.1');
  });
});

describe('PortalListener (plain HTTP/1.1)', () => {
  it('serves, and stops even with a response still streaming (a live watch): the connection is closed after the grace', async () => {
    const listener = new PortalListener({
      address: '127.0.0.1:0',
      transport: { plaintext: true },
      logger: createLogger('test', 'silent'),
      handler: (req, res) => {
        res.setHeader('content-type', 'text/plain');
        if (req.url === '/stream') {
          res.write('first');
          return;
        }
        res.end('ok');
      },
    });
    const port = await listener.start();
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
    const streaming = await new Promise<{ chunk: string; closed: Promise<void> }>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/stream' }, (res) => {
        const closed = new Promise<void>((done) => res.once('close', () => done()));
        res.once('data', (chunk: Buffer) => resolve({ chunk: chunk.toString(), closed }));
      })
        .once('error', reject)
        .end();
    });
    expect(streaming.chunk).toBe('first');
    await listener.stop(50);
    await streaming.closed;
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('refuses to start on an address in use, saying so', async () => {
    const first = new PortalListener({ address: '127.0.0.1:0', transport: { plaintext: true }, logger: createLogger('test', 'silent'), handler: (_req, res) => res.end() });
    const port = await first.start();
    const second = new PortalListener({ address: `127.0.0.1:${port}`, transport: { plaintext: true }, logger: createLogger('test', 'silent'), handler: (_req, res) => res.end() });
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
    await first.stop();
  });
});
