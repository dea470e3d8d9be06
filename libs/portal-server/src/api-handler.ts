import type { Logger } from '@cairn/logging';
import { type ApiRoute, findRoute } from './api-routes';
import { parseCookies, sessionCookieName } from './cookies';
import { answerStatus, forwardCall, GRPC } from './grpc-web-bridge';
import { checkSingleMessage } from './grpc-web-frames';
import { header, type PortalRequest, type PortalResponse } from './http-types';
import { sameOrigin } from './request-checks';
import type { Sessions } from './sessions';
import type { Upstream } from './upstream';

export interface ApiContext {
  routes: Map<string, ApiRoute>;
  sessions: Sessions;
  upstream: Upstream;
  origin: string;
  /** The gateway's largest request message (2 MiB). */
  maxMessageBytes: number;
  logger: Logger;
}

/** The gRPC-Web content types accepted (binary); the base64 "-text" variant is not. */
const CONTENT_TYPE = /^application\/grpc-web(\+proto)?\s*(;.*)?$/i;

/** Reads the body, at most `max` bytes; undefined when it is longer (the rest is left unread). */
async function readBody(req: PortalRequest, max: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    length += buffer.length;
    if (length > max) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * `/api/<package.Service>/<Method>`: checks the call (POST, gRPC-Web, same origin, a method
 * the gateway serves, a live session, one message within the size limit), then bridges it
 * to the gateway's gRPC server with the session's token.
 */
export async function handleApi(req: PortalRequest, res: PortalResponse, url: URL, context: ApiContext): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    answerStatus(res, GRPC.UNIMPLEMENTED, 'the API takes gRPC-Web POST requests', 405);
    return;
  }
  if (!sameOrigin(req.headers, context.origin)) {
    answerStatus(res, GRPC.PERMISSION_DENIED, 'refused: the request does not come from the portal\'s own pages', 403);
    return;
  }
  if (!CONTENT_TYPE.test(header(req.headers, 'content-type') ?? '')) {
    answerStatus(res, GRPC.INVALID_ARGUMENT, 'expected content-type application/grpc-web+proto', 415);
    return;
  }
  const route = findRoute(context.routes, url.pathname);
  if (!route) {
    answerStatus(res, GRPC.UNIMPLEMENTED, `no such method: ${url.pathname.slice(0, 200)}`, 404);
    return;
  }
  const access = await context.sessions.access(parseCookies(header(req.headers, 'cookie')).get(sessionCookieName(context.origin.startsWith('https:'))));
  if (!access.ok) {
    answerStatus(res, GRPC.UNAUTHENTICATED, access.reason === 'none' ? 'not logged in: log in to the portal' : 'the session has ended: log in again');
    return;
  }
  const body = await readBody(req, context.maxMessageBytes + 5);
  if (body === undefined) {
    answerStatus(res, GRPC.RESOURCE_EXHAUSTED, `the request is larger than ${context.maxMessageBytes} bytes`);
    return;
  }
  const problem = checkSingleMessage(body, context.maxMessageBytes);
  if (problem !== undefined) {
    answerStatus(res, problem.startsWith('the request message is') ? GRPC.RESOURCE_EXHAUSTED : GRPC.INVALID_ARGUMENT, problem);
    return;
  }
  const grpcTimeout = header(req.headers, 'grpc-timeout');
  const clientAddress = req.socket?.remoteAddress;
  await forwardCall({
    upstream: context.upstream,
    route,
    body,
    accessToken: access.accessToken,
    res,
    logger: context.logger,
    ...(grpcTimeout === undefined ? {} : { grpcTimeout }),
    ...(clientAddress === undefined ? {} : { clientAddress }),
  });
}
