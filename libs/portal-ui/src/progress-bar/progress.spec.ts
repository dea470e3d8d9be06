import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MAX_COUNT, normalise, progressShares, progressText } from './progress';

describe('progressText', () => {
  it('says done of total, then failed and running when there are some', () => {
    expect(progressText({ total: 100, done: 37, failed: 2 })).toBe('37 of 100 done, 2 failed');
    expect(progressText({ total: 100, done: 37, failed: 2, running: 61 })).toBe('37 of 100 done, 2 failed, 61 running');
    expect(progressText({ total: 5, done: 5, failed: 0 })).toBe('5 of 5 done');
    expect(progressText({ total: 0, done: 0, failed: 0 })).toBe('0 of 0 done');
  });
});

describe('normalise and progressShares', () => {
  const n = fc.oneof(fc.integer({ min: -5, max: 1_000_000 }), fc.double(), fc.constant(Number.NaN));
  it('for any counts: whole, not negative, parts adding up to the total, shares to 100', () => {
    fc.assert(
      fc.property(n, n, n, fc.option(n, { nil: undefined }), (total, done, failed, running) => {
        const p = { total, done, failed, ...(running === undefined ? {} : { running }) };
        const c = normalise(p);
        for (const v of Object.values(c)) expect(Number.isInteger(v) && v >= 0).toBe(true);
        expect(c.done + c.failed + c.running + c.rest).toBe(c.total);
        const s = progressShares(p);
        const sum = s.done + s.failed + s.running + s.rest;
        if (c.total === 0) expect(sum).toBe(0);
        else expect(Math.abs(sum - 100)).toBeLessThan(1e-9);
        expect(progressText(p)).toMatch(/^\d+ of \d+ done(, \d+ failed)?(, \d+ running)?$/);
      }),
      { numRuns: 300 },
    );
  });

  it('holds the largest counts exactly', () => {
    expect(progressText({ total: MAX_COUNT, done: MAX_COUNT - 1, failed: 1 })).toBe(`${MAX_COUNT - 1} of ${MAX_COUNT} done, 1 failed`);
    expect(normalise({ total: Number.MAX_VALUE, done: 0, failed: 0 }).total).toBe(MAX_COUNT);
  });

  it('raises the total when done and failed exceed it', () => {
    expect(normalise({ total: 3, done: 3, failed: 2 })).toEqual({ total: 5, done: 3, failed: 2, running: 0, rest: 0 });
  });
});
