import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

/** What the portal reads of a request: HTTP/1.1 (IncomingMessage) and HTTP/2 (compat API) alike. */
export type PortalRequest = Readable & { method?: string; url?: string; httpVersion?: string; headers: IncomingHttpHeaders; socket?: { remoteAddress?: string | undefined } };

/** What the portal does with a response: HTTP/1.1 (ServerResponse) and HTTP/2 (compat API) alike. */
export interface PortalResponse {
  statusCode: number;
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  getHeader(name: string): unknown;
  removeHeader(name: string): void;
  /** HTTP/1.1 only (HTTP/2: an empty write sends the headers). */
  flushHeaders?(): void;
  write(chunk: Buffer | string): boolean;
  end(): unknown;
  end(chunk: Buffer | string): unknown;
  once(event: 'close' | 'drain' | 'finish', listener: () => void): unknown;
}

/** A first header value, or undefined. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Sends the response headers now (a stream's first message may be a while coming). */
export function sendHeadersNow(res: PortalResponse): void {
  if (res.flushHeaders) res.flushHeaders();
  else res.write(Buffer.alloc(0));
}
