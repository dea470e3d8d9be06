import fc from 'fast-check';
import { rowsWithin } from './page-budget';

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
