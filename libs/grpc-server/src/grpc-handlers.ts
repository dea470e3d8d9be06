import type { ServerWritableStream } from '@grpc/grpc-js';
import type { Logger } from '@cairn/logging';
import { unary, type UnaryHandler } from './unary';
import type { WatchLimiter } from './watch-limiter';
import { serveWatch } from './watch-stream';

/** A grpc-js server-streaming handler. */
export type WatchHandler<Req, Res> = (call: ServerWritableStream<Req, Res>) => void;

/** The two kinds of handler a Cairn gRPC service is made of, built the one way. */
export interface GrpcHandlers {
  /** A unary RPC from an async function: errors become statuses (see unary). */
  unary<Req, Res>(handler: (request: Req) => Promise<Res>): UnaryHandler<Req, Res>;
  /** A watch RPC from what it streams: capped, back-pressured, cancellable (see serveWatch). */
  watch<Req, Res>(source: (request: Req, signal: AbortSignal) => AsyncIterable<Res>): WatchHandler<Req, Res>;
}

/**
 * The one place every gRPC handler of the gateway's services goes through, so what every
 * call needs (today: status mapping, logging, the watch caps; later: authentication and
 * authorization) is added here once for all services.
 */
export function grpcHandlers(logger: Logger, watchLimiter: WatchLimiter): GrpcHandlers {
  return {
    unary: (handler) => unary(handler, logger),
    watch: (source) => (call) => void serveWatch(call, watchLimiter, (signal) => source(call.request, signal), logger),
  };
}
