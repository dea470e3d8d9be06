import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A plain HTTP proxy in front of a real registry that counts the requests it passes on
 * (manifest requests separately): how the spec sees that a cached resolution asked nothing.
 */
export interface CountingProxy {
  /** host:port to name as the registry. */
  host: string;
  /** Every request passed on, as "METHOD path". */
  readonly requests: string[];
  manifestRequests(): number;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const [targetHost, targetPort] = target.split(':');
  const requests: string[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    requests.push(`${incoming.method ?? ''} ${incoming.url ?? ''}`);
    const forward = request(
      { host: targetHost, port: Number(targetPort ?? 80), method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: target } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    manifestRequests: () => requests.filter((line) => line.includes('/manifests/')).length,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
