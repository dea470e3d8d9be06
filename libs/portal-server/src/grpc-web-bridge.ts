import { constants, type IncomingHttpHeaders } from 'node:http2';
import type { Logger } from '@cairn/logging';
import type { ApiRoute } from './api-routes';
import { encodeGrpcMessage, parseGrpcTimeout, trailerFrame } from './grpc-web-frames';
import { type PortalResponse, sendHeadersNow } from './http-types';
import type { Upstream } from './upstream';

/** gRPC status codes the bridge answers with itself. */
export const GRPC = { OK: 0, CANCELLED: 1, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

export const GRPC_WEB_CONTENT_TYPE = 'application/grpc-web+proto';

/**
 * Answers a gRPC-Web call with a status and no message ("trailers-only": the status in the
 * response headers), with `httpStatus` 200 unless the request never was a valid call.
 */
export function answerStatus(res: PortalResponse, code: number, message: string, httpStatus = 200): void {
  if (res.headersSent) {
    res.end(trailerFrame({ 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(message) }));
    return;
  }
  res.statusCode = httpStatus;
  res.setHeader('content-type', GRPC_WEB_CONTENT_TYPE);
  res.setHeader('grpc-status', String(code));
  res.setHeader('grpc-message', encodeGrpcMessage(message));
  res.setHeader('cache-control', 'no-store');
  res.end();
}

/** The trailers forwarded to the browser: the status and its details, nothing else. */
const FORWARDED_TRAILERS = ['grpc-status', 'grpc-message', 'grpc-status-details-bin'];

function pickTrailers(headers: IncomingHttpHeaders): Record<string, string> | undefined {
  if (headers['grpc-status'] === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const name of FORWARDED_TRAILERS) {
    const value = headers[name];
    if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/**
 * Forwards one gRPC-Web call, byte for byte, to the gateway's own grpc-js server: the
 * request's one length-prefixed message as the gRPC request body, with the session's token
 * as `authorization`; each response frame written to the browser as it arrives, and the
 * upstream trailers as the gRPC-Web trailer frame. The browser going away (or the deadline
 * of its grpc-timeout passing) cancels the upstream call, which ends a watch.
 */
export function forwardCall(options: {
  upstream: Upstream;
  route: ApiRoute;
  body: Buffer;
  accessToken: string;
  grpcTimeout?: string;
  /** The browser's address (the listener's peer), for the audit: sent as cairn-portal-peer. */
  clientAddress?: string;
  res: PortalResponse;
  logger: Logger;
}): Promise<void> {
  const { upstream, route, body, res, logger } = options;
  const timeoutMs = options.grpcTimeout === undefined ? undefined : parseGrpcTimeout(options.grpcTimeout);
  const headers: Record<string, string> = {
    ':method': 'POST',
    ':path': route.path,
    ':authority': 'cairn-portal',
    'content-type': 'application/grpc',
    te: 'trailers',
    'grpc-accept-encoding': 'identity',
    'user-agent': 'cairn-portal-bridge',
    authorization: `Bearer ${options.accessToken}`,
  };
  if (timeoutMs !== undefined && options.grpcTimeout !== undefined) headers['grpc-timeout'] = options.grpcTimeout;
  if (options.clientAddress !== undefined) headers['cairn-portal-peer'] = options.clientAddress;

  return new Promise<void>((resolve) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let stream: ReturnType<Upstream['request']>;
    let trailers: Record<string, string> | undefined;
    const begin = () => {
      if (res.headersSent) return;
      res.statusCode = 200;
      res.setHeader('content-type', GRPC_WEB_CONTENT_TYPE);
      res.setHeader('cache-control', 'no-store');
      sendHeadersNow(res);
    };
    const finish = (final: Record<string, string>) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      if (!res.writableEnded) {
        begin();
        res.end(trailerFrame(final));
      }
      resolve();
    };
    const cancelUpstream = () => {
      if (!stream.closed && !stream.destroyed) stream.close(constants.NGHTTP2_CANCEL);
    };
    try {
      stream = upstream.request(headers);
    } catch (error) {
      logger.error({ err: error, rpc: route.path }, 'portal bridge: cannot reach the gateway\'s gRPC server');
      finish({ 'grpc-status': String(GRPC.UNAVAILABLE), 'grpc-message': encodeGrpcMessage('the API is not reachable; try again shortly') });
      return;
    }
    // The browser went away before the end: cancel upstream (a watch ends, its consumer goes).
    res.once('close', () => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      cancelUpstream();
      resolve();
    });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => {
        cancelUpstream();
        finish({ 'grpc-status': String(GRPC.DEADLINE_EXCEEDED), 'grpc-message': encodeGrpcMessage('deadline exceeded') });
      }, Math.max(1, Math.ceil(timeoutMs)));
    }
    stream.on('response', (responseHeaders) => {
      // Trailers-only: grpc-js put the status in the headers (an error before any message).
      trailers = pickTrailers(responseHeaders);
      if (!trailers) begin();
    });
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      begin();
      if (!res.write(chunk)) {
        stream.pause();
        res.once('drain', () => stream.resume());
      }
    });
    stream.on('trailers', (responseTrailers) => {
      trailers = pickTrailers(responseTrailers) ?? trailers;
    });
    stream.on('close', () => {
      finish(trailers ?? { 'grpc-status': String(GRPC.UNAVAILABLE), 'grpc-message': encodeGrpcMessage('the API ended the call without a status') });
    });
    stream.on('error', (error) => {
      if (!done) logger.warn({ err: error, rpc: route.path }, 'portal bridge: the upstream call failed');
    });
    stream.end(body);
  });
}
