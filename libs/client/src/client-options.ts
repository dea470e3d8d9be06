import { type CallCredentials, type ChannelCredentials, type ChannelOptions, credentials, Metadata, status } from '@grpc/grpc-js';

/** Gives the bearer token for the next call; asked before every call, so it may refresh. */
export type TokenProvider = () => string | Promise<string>;

/** A fixed bearer token, or a provider asked before every call. */
export type TokenSource = string | TokenProvider;

/** How a client reaches the gateway and presents its caller. */
export interface ClientOptions {
  /**
   * Sent as `authorization: Bearer <token>` on every unary and streaming call. An error
   * the provider throws is thrown as is by the call (nothing is sent).
   */
  token?: TokenSource;
  /**
   * PEM of the CA that signed the gateway's certificate: the channel uses TLS and accepts
   * only a gateway that CA vouches for. Without it the channel is plaintext (a gateway
   * started with CAIRN_GRPC_PLAINTEXT=true, for local development).
   */
  ca?: Buffer;
}

// RFC 6750 b64token: what may follow "Bearer " (a JWT fits). Anything else (a space, a
// line break, a control character) would forge or break the header: refused, not sent.
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Longest token sent (a JWT with many group claims fits; a header this size is already unusual). */
export const MAX_TOKEN_BYTES = 16 * 1024;

/** Refuses a token that cannot be a bearer token; the message never contains the token. */
export function checkBearerToken(token: unknown): string {
  if (typeof token !== 'string' || token.length === 0) throw new TypeError('the bearer token is empty');
  if (token.length > MAX_TOKEN_BYTES) throw new TypeError(`the bearer token is longer than ${MAX_TOKEN_BYTES} bytes`);
  if (!BEARER_TOKEN.test(token)) throw new TypeError('the bearer token has characters a bearer token cannot have (RFC 6750)');
  return token;
}

/** The metadata of one call: `authorization: Bearer <token>` when a token is configured. */
export async function callMetadata(token: TokenSource | undefined): Promise<Metadata> {
  const metadata = new Metadata();
  if (token === undefined) return metadata;
  const value = checkBearerToken(typeof token === 'string' ? token : await token());
  metadata.set('authorization', `Bearer ${value}`);
  return metadata;
}

/** The channel's credentials: TLS verified with `ca` when it is given, else plaintext. */
export function channelCredentials(options: ClientOptions): ChannelCredentials {
  return options.ca === undefined ? credentials.createInsecure() : credentials.createSsl(options.ca);
}

/**
 * How many bytes of answers the gateway may send ahead of what the client has read, on each
 * call and on the connection as a whole (the HTTP/2 flow-control windows the client
 * advertises): the gateway's largest answer (its grpc.max_send_message_length, 4 MiB), so
 * one answer never waits for the client to make room. HTTP/2's default is 64 KiB, and grpc-js,
 * unlike gRPC's C core, never grows it: a page of a few hundred jobs then crosses the link in
 * several round trips, and the gateway stalls whenever the client is busy for a moment (a
 * garbage collection) rather than reading. docs/benchmarks.md, "Public API under load".
 */
export const RECEIVE_WINDOW_BYTES = 4 * 1024 * 1024;

/** The options of every client's channel: the receive windows above. */
export function channelOptions(): ChannelOptions {
  return { 'grpc-node.flow_control_window': RECEIVE_WINDOW_BYTES };
}

/**
 * The same token as grpc-js call credentials, for code that uses the generated grpc-js
 * clients directly: pass `{ credentials: bearerCallCredentials(token) }` as a call's
 * options. grpc-js (1.14) sends per-call credentials on plaintext channels too, whereas
 * composing them into plaintext channel credentials throws ("Cannot compose insecure
 * credentials"). A provider's error fails the call with UNAUTHENTICATED.
 */
export function bearerCallCredentials(token: TokenSource): CallCredentials {
  return credentials.createFromMetadataGenerator((_params, callback) => {
    callMetadata(token).then(
      (metadata) => callback(null, metadata),
      (error: unknown) => callback(Object.assign(new Error(error instanceof Error ? error.message : String(error)), { code: status.UNAUTHENTICATED })),
    );
  });
}
