import { Code, ConnectError } from '@connectrpc/connect';

/** How long to wait before reopening a stream after `failures` failures in a row: 1 s doubling to 30 s. */
export function backoffMs(failures: number, baseMs = 1000, maxMs = 30_000): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 20));
}

/**
 * Errors that another attempt will not fix (the thing is not there, not yours, malformed,
 * or the session ended): a stream that fails with one of these is not reopened.
 */
const PERMANENT = new Set<Code>([
  Code.NotFound,
  Code.PermissionDenied,
  Code.Unauthenticated,
  Code.InvalidArgument,
  Code.FailedPrecondition,
  Code.Unimplemented,
]);

/** Whether a failed stream should be opened again (after a backoff). */
export function isRetryable(error: unknown): boolean {
  const e = ConnectError.from(error);
  return !PERMANENT.has(e.code);
}
