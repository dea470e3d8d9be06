import fc from 'fast-check';
import { jsonBytes, pageWithin, rowsWithin } from './page-budget';

describe('rowsWithin', () => {
  it('keeps the longest prefix of rows whose JSON fits the budget, and always at least one row', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 300 }), { maxLength: 50 }), fc.integer({ min: 1, max: 3000 }), (rows, budget) => {
        const n = rowsWithin(rows, budget);
        const size = (k: number) => rows.slice(0, k).reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)) + 1, 0);
        if (rows.length === 0) return expect(n).toBe(0);
        expect(n).toBeGreaterThanOrEqual(1);
        if (n > 1) expect(size(n)).toBeLessThanOrEqual(budget);
        if (n < rows.length) expect(size(n + 1)).toBeGreaterThan(budget);
      }),
      { numRuns: 300 },
    );
  });
});

describe('pageWithin', () => {
  it('keeps rows in order within the count and the bytes, and steps over rows too large for any reply', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }), fc.integer({ min: 1, max: 30 }), fc.integer({ min: 50, max: 2000 }), (sizes, pageSize, budget) => {
        const rows = sizes.map((n, i) => ({ i, text: 'x'.repeat(n) }));
        const { page, consumed, skipped } = pageWithin(rows, pageSize, budget, jsonBytes);
        const taken = rows.slice(0, consumed);
        const fits = (r: { text: string }) => Buffer.byteLength(JSON.stringify(r)) + 1 <= budget;
        expect(page).toEqual(taken.filter(fits));
        expect(skipped).toBe(taken.filter((r) => !fits(r)).length);
        expect(consumed).toBeLessThanOrEqual(pageSize);
        expect(page.reduce((sum, r) => sum + Buffer.byteLength(JSON.stringify(r)) + 1, 0)).toBeLessThanOrEqual(budget);
        // Progress: a non-empty listing always consumes a row.
        if (rows.length > 0) expect(consumed).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
