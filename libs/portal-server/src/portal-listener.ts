import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { Socket } from 'node:net';
import type { Logger } from '@cairn/logging';
import type { PortalRequest, PortalResponse } from './http-types';

/** How the portal listens: HTTPS (HTTP/2, and HTTP/1.1 for old clients) or plain HTTP/1.1. */
export type PortalTransport = { tls: { cert: Buffer; key: Buffer } } | { plaintext: true };

/**
 * The portal's one listener. HTTP/2 matters: a browser opens at most 6 HTTP/1.1
 * connections per origin and each live watch holds one; over HTTP/2 they are streams.
 */
export class PortalListener {
  private server?: HttpServer | Http2SecureServer;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly options: { address: string; transport: PortalTransport; handler: (req: PortalRequest, res: PortalResponse) => void; logger: Logger },
  ) {}

  async start(): Promise<number> {
    const { transport, handler } = this.options;
    const server: HttpServer | Http2SecureServer =
      'tls' in transport
        ? createSecureServer({ cert: transport.tls.cert, key: transport.tls.key, allowHTTP1: true, minVersion: 'TLSv1.2', settings: { maxConcurrentStreams: 256 } }, handler)
        : createHttpServer({ headersTimeout: 30_000, requestTimeout: 60_000 }, handler);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    const separator = this.options.address.lastIndexOf(':');
    const host = this.options.address.slice(0, separator);
    const port = Number(this.options.address.slice(separator + 1));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const bound = server.address();
    const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
    if ('tls' in transport) this.options.logger.info({ address: this.options.address, port: boundPort, tls: true, http2: true }, 'portal listening');
    else this.options.logger.warn({ address: this.options.address, port: boundPort, tls: false }, 'portal listening WITHOUT TLS (CAIRN_PORTAL_PLAINTEXT=true): behind a TLS-terminating proxy, or for development');
    return boundPort;
  }

  /** Stops taking connections, gives requests `graceMs` to end, then closes what is left (live watches). */
  async stop(graceMs = 2000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    const timer = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, graceMs);
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    await closed;
    clearTimeout(timer);
  }
}
