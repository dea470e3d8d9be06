import { request } from 'node:http';
import { createLogger } from '@cairn/logging';
import { PortalListener } from './portal-listener';

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
