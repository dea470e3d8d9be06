import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-web';
import type { DescService } from '@bufbuild/protobuf';

/**
 * The portal reaches Cairn's API as gRPC-Web at `/api` on its own origin (served by the
 * gateway, docs/adr/0012-portal-protocol.md). The browser holds no token: the gateway's
 * portal server keeps the session's tokens and adds them to each call (an HttpOnly cookie
 * names the session), so every call goes through the same door as a native gRPC client.
 */
export const API_PATH = '/api';

/** What happens when a call answers UNAUTHENTICATED: the session ended (expired or logged out). */
export type SessionEndedHandler = (error: ConnectError) => void;

let onSessionEnded: SessionEndedHandler = () => undefined;

/** Sets what the portal does when the session has ended (the app sends the person to log in). */
export function setSessionEndedHandler(handler: SessionEndedHandler): void {
  onSessionEnded = handler;
}

const sessionWatch: Interceptor = (next) => async (req) => {
  try {
    return await next(req);
  } catch (e) {
    const error = ConnectError.from(e);
    if (error.code === Code.Unauthenticated) onSessionEnded(error);
    throw error;
  }
};

/** The transport to the portal's own origin (cookies are sent same-origin only). */
export function portalTransport(baseUrl = API_PATH): Transport {
  return createGrpcWebTransport({
    baseUrl,
    useBinaryFormat: true,
    interceptors: [sessionWatch],
    fetch: (input, init) => globalThis.fetch(input, { ...init, credentials: 'same-origin' }),
  });
}

let shared: Transport | undefined;

/** A client of one Cairn service over the portal's transport. */
export function client<T extends DescService>(service: T, transport: Transport = (shared ??= portalTransport())): Client<T> {
  return createClient(service, transport);
}
