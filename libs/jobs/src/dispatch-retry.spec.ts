import fc from 'fast-check';
import { CairnError, ERROR_CODES } from '@cairn/contracts';
import { classifyDispatchFailure, excerpt, MAX_REASON_CHARS, MAX_RETRY_MS, nextTryAt } from './dispatch-retry';

describe('classifyDispatchFailure', () => {
  it.each(['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION'] as const)('makes %s permanent: the job fails', (code) => {
    expect(classifyDispatchFailure(new CairnError(code, 'no'))).toEqual({ kind: 'permanent', reason: 'no' });
  });

  it.each(['UNAVAILABLE', 'DEADLINE_EXCEEDED'] as const)('makes %s a transient failure of the whole site', (code) => {
    expect(classifyDispatchFailure(new CairnError(code, 'down'))).toEqual({ kind: 'transient', siteDown: true, reason: 'down' });
  });

  it('retries INTERNAL and unknown errors for this job only', () => {
    expect(classifyDispatchFailure(new CairnError('INTERNAL', 'disk'))).toEqual({ kind: 'transient', siteDown: false, reason: 'disk' });
    expect(classifyDispatchFailure(new Error('boom'))).toEqual({ kind: 'transient', siteDown: false, reason: 'boom' });
  });

  it('quotes a bounded excerpt of any message, whatever the code', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ERROR_CODES), fc.string({ maxLength: 5000 }), (code, message) => {
        const failure = classifyDispatchFailure(new CairnError(code, message));
        expect(failure.reason.length).toBeLessThanOrEqual(MAX_REASON_CHARS + 40);
        expect(failure.reason.startsWith(message.slice(0, MAX_REASON_CHARS))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('nextTryAt', () => {
  it('doubles from one second and never waits more than a minute, for any number of tries', () => {
    const now = new Date(0);
    expect(nextTryAt(now, 1).getTime()).toBe(1000);
    expect(nextTryAt(now, 2).getTime()).toBe(2000);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (tries) => {
        const delay = nextTryAt(now, tries).getTime();
        expect(delay).toBeGreaterThanOrEqual(1000);
        expect(delay).toBeLessThanOrEqual(MAX_RETRY_MS);
        expect(nextTryAt(now, tries + 1).getTime()).toBeGreaterThanOrEqual(delay);
      }),
      { numRuns: 200 },
    );
  });
});

describe('excerpt', () => {
  it('keeps short text as is and says how much it left out of long text', () => {
    expect(excerpt('short')).toBe('short');
    expect(excerpt('abcdef', 3)).toBe('abc… (3 more characters)');
  });
});
