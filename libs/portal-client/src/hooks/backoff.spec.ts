import { describe, expect, it } from '@jest/globals';
import { Code, ConnectError } from '@connectrpc/connect';
import { backoffMs, isRetryable } from './backoff';

describe('stream backoff', () => {
  it('waits 1 s, doubling, at most 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((n) => backoffMs(n))).toEqual([0, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('reopens after transient errors only', () => {
    expect(isRetryable(new ConnectError('gone', Code.Unavailable))).toBe(true);
    expect(isRetryable(new ConnectError('too many', Code.ResourceExhausted))).toBe(true);
    expect(isRetryable(new TypeError('Failed to fetch'))).toBe(true);
    for (const code of [Code.NotFound, Code.PermissionDenied, Code.Unauthenticated, Code.InvalidArgument]) {
      expect(isRetryable(new ConnectError('no', code))).toBe(false);
    }
  });
});
