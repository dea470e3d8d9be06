import { type ServerWritableStream, type ServiceError, status } from '@grpc/grpc-js';
import type { Principal } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { admit, type Door } from './door';
import { toServiceError } from './status-codes';
import type { WatchLimiter } from './watch-limiter';

/**
 * Serves one server-streaming watch: lets in only an authenticated, mapped caller (see
 * admit), takes a slot from the limiter (or ends the call with
 * RESOURCE_EXHAUSTED), writes what `source` yields, waiting while the client's buffer is
 * full, and ends the call when the source ends. A cancelled call aborts the source (which
 * frees what it holds, e.g. its JetStream consumer); the slot is freed however it ends.
 */
export async function serveWatch<Req, Res>(
  call: ServerWritableStream<Req, Res>,
  limiter: WatchLimiter,
  source: (signal: AbortSignal, caller: Principal) => AsyncIterable<Res>,
  logger: Logger,
  door: Door,
): Promise<void> {
  const abort = new AbortController();
  const onCancel = () => abort.abort();
  call.on('cancelled', onCancel);
  let release: (() => void) | undefined;
  try {
    const caller = await admit(call, door, logger);
    release = limiter.acquire(call, caller);
    for await (const message of source(abort.signal, caller)) {
      if (abort.signal.aborted) break;
      if (!call.write(message)) await drained(call, abort.signal);
    }
    if (!abort.signal.aborted) call.end();
  } catch (error) {
    if (abort.signal.aborted) return;
    const serviceError = toServiceError(error);
    if (serviceError.code === status.INTERNAL) logger.error({ err: error }, 'watch failed');
    // grpc-js sends a stream's status from its 'error' handler; destroy() would send none
    // and leave the client waiting.
    call.emit('error', serviceError as ServiceError);
  } finally {
    call.off('cancelled', onCancel);
    release?.();
  }
}

/** Resolves when the call can take more, or it was cancelled. */
function drained(call: ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
