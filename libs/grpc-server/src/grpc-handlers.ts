import type { ServerWritableStream } from '@grpc/grpc-js';
import type { Principal } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { callPeer, type Door } from './door';
import { unary, type UnaryHandler } from './unary';
import type { WatchLimiter } from './watch-limiter';
import { serveWatch } from './watch-stream';

/** A grpc-js server-streaming handler. */
export type WatchHandler<Req, Res> = (call: ServerWritableStream<Req, Res>) => void;

/** The two kinds of handler a Cairn gRPC service is made of, built the one way. */
export interface GrpcHandlers {
  /** A unary RPC from an async function, for an authenticated caller: errors become statuses (see unary). */
  unary<Req, Res>(handler: (request: Req, caller: Principal, peer: string) => Promise<Res>): UnaryHandler<Req, Res>;
  /** A watch RPC from what it streams, for an authenticated caller: capped, back-pressured, cancellable (see serveWatch). */
  watch<Req, Res>(source: (request: Req, signal: AbortSignal, caller: Principal, peer: string) => AsyncIterable<Res>): WatchHandler<Req, Res>;
}

/**
 * The one place every gRPC handler of the gateway's services goes through, so what every
 * call needs (the door: authentication, identity mapping, rate limit and the audit of
 * refusals; status mapping, logging, the watch caps) is added here once for all services.
 * Health and reflection are served beside, not through it, and stay open.
 */
export function grpcHandlers(logger: Logger, watchLimiter: WatchLimiter, door: Door): GrpcHandlers {
  return {
    unary: (handler) => unary(handler, logger, door),
    watch: (source) => (call) =>
      void serveWatch(call, watchLimiter, (signal, caller) => source(call.request, signal, caller, callPeer(call)), logger, door),
  };
}
