import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort } from './free-port';

describe('freePort', () => {
  const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

  it('hands out distinct ports below the kernel ephemeral range, each one bindable', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(ephemeralLow);
    }
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('passes over a port someone else is listening on, and over ports it handed out before', async () => {
    const low = 20_000;
    const size = ephemeralLow - low;
    const taken = await freePort();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(taken, '127.0.0.1', resolve));
    const busy = taken + 1 < ephemeralLow ? taken + 1 : taken - 1;
    const other = createServer();
    const busyHeld = await new Promise<boolean>((resolve) => {
      other.once('error', () => resolve(false));
      other.listen(busy, '127.0.0.1', () => resolve(true));
    });
    const wanted = [busy, taken, busy === taken + 1 ? taken + 2 : taken - 2].map((p) => (p - low + 0.5) / size);
    const random = jest.spyOn(Math, 'random').mockImplementation(() => wanted.shift() ?? 0.5);
    try {
      // The first choice is listened on (when it could be held here), the second was handed out.
      const port = await freePort();
      expect(port).not.toBe(taken);
      if (busyHeld) expect(port).not.toBe(busy);
      expect(port).toBe(busy === taken + 1 ? taken + 2 : taken - 2);
    } finally {
      random.mockRestore();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (busyHeld) await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});
