import { type ClientHttp2Session, connect, constants, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';

/** A fetch (what Connect's transports and BrowserSession call) over HTTP/2 and TLS. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface Http2Fetch {
  fetch: FetchFunction;
  /** Closes its HTTP/2 connections. */
  close(): void;
}

const bodyBytes = async (body: RequestInit['body']): Promise<Buffer | undefined> => {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  return Buffer.from(await new Response(body).arrayBuffer());
};

/**
 * A WHATWG fetch over node:http2 that trusts `ca` (the test stack's private CA), so a test
 * in Node speaks to the portal as a browser does: HTTP/2, TLS, streamed response bodies,
 * aborts that cancel the stream. Redirects are never followed (callers see 3xx).
 */
export function http2Fetch(ca: Buffer): Http2Fetch {
  const sessions = new Map<string, ClientHttp2Session>();
  const session = (origin: string) => {
    const existing = sessions.get(origin);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    // No SNI for an IP address (RFC 6066); the certificate is still checked against it.
    const opened = connect(origin, { ca, ...(isIP(new URL(origin).hostname) ? { servername: '' } : {}) });
    opened.on('error', () => sessions.delete(origin));
    opened.on('close', () => sessions.delete(origin));
    sessions.set(origin, opened);
    return opened;
  };
  const fetch: FetchFunction = async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : input instanceof URL ? input.href : String(input));
    const headers: OutgoingHttpHeaders = { ':method': init.method ?? request?.method ?? 'GET', ':path': `${url.pathname}${url.search}`, ':authority': url.host, ':scheme': 'https' };
    new Headers(init.headers ?? request?.headers).forEach((value, name) => {
      if (name !== 'host' && name !== 'connection') headers[name] = value;
    });
    const body = await bodyBytes(init.body);
    const signal = init.signal ?? request?.signal ?? undefined;
    signal?.throwIfAborted();
    const stream = session(url.origin).request(headers, { endStream: body === undefined });
    if (body !== undefined) stream.end(body);
    const onAbort = () => {
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.once('close', () => signal?.removeEventListener('abort', onAbort));
    const responseHeaders = await new Promise<IncomingHttpHeaders>((resolve, reject) => {
      stream.once('response', resolve);
      stream.once('error', reject);
      stream.once('close', () => reject(signal?.aborted ? signal.reason : new Error(`HTTP/2 stream to ${url.href} closed before a response`)));
    });
    const status = Number(responseHeaders[':status']);
    const out = new Headers();
    for (const [name, value] of Object.entries(responseHeaders)) {
      if (name.startsWith(':') || value === undefined) continue;
      for (const each of Array.isArray(value) ? value : [String(value)]) out.append(name, each);
    }
    const empty = status === 204 || status === 304 || headers[':method'] === 'HEAD';
    const stop = () => {
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    };
    // The body as a web stream; cancelling it (or the signal) cancels the HTTP/2 stream.
    const webBody = empty ? null : (Readable.toWeb(stream) as ReadableStream<Uint8Array>);
    if (empty) stop();
    return new Response(webBody, { status, headers: out });
  };
  return {
    fetch,
    close: () => {
      for (const s of sessions.values()) s.destroy();
      sessions.clear();
    },
  };
}
