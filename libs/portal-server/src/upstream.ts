import { type ClientHttp2Session, type ClientHttp2Stream, connect, type OutgoingHttpHeaders } from 'node:http2';
import { connect as netConnect } from 'node:net';

/**
 * One HTTP/2 connection (prior knowledge, no TLS) to the gateway's own grpc-js server on
 * its local unix socket, reopened when it closes. Each bridged call is one stream on it.
 */
export class Upstream {
  private session?: ClientHttp2Session;

  constructor(private readonly socketPath: string) {}

  private current(): ClientHttp2Session {
    const existing = this.session;
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const session = connect('http://localhost', { createConnection: () => netConnect(this.socketPath) });
    // A failed connection fails its streams (each answers UNAVAILABLE); the next call reconnects.
    session.on('error', () => undefined);
    session.on('close', () => {
      if (this.session === session) this.session = undefined;
    });
    session.on('goaway', () => {
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
    return session;
  }

  request(headers: OutgoingHttpHeaders): ClientHttp2Stream {
    return this.current().request(headers);
  }

  close(): void {
    this.session?.destroy();
    this.session = undefined;
  }
}
