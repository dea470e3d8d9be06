import fc from 'fast-check';
import { byteBatches } from './job-fs';

describe('byteBatches (the paths one mkdir -p is given)', () => {
  it('keeps every item once, in order, each batch within the bytes unless one item alone is longer', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }), { maxLength: 200 }), fc.integer({ min: 1, max: 300 }), (items, maxBytes) => {
        const batches = byteBatches(items, maxBytes);
        expect(batches.flat()).toEqual(items);
        for (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          const bytes = batch.reduce((sum, item) => sum + Buffer.byteLength(item) + 1, 0);
          if (batch.length > 1) expect(bytes).toBeLessThanOrEqual(maxBytes);
        }
        // No two neighbouring batches could have been one.
        for (let i = 1; i < batches.length; i += 1) {
          const both = [...(batches[i - 1] ?? []), ...(batches[i] ?? [])].reduce((sum, item) => sum + Buffer.byteLength(item) + 1, 0);
          expect(both).toBeGreaterThan(maxBytes);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives a 1,000-item step of real paths one batch, and nothing for no paths', () => {
    const paths = Array.from({ length: 1000 }, (_, i) => `/var/lib/cairn/runs/7a0e5c1d-0000-4000-8000-0000000000aa/sweep/${i}`);
    expect(byteBatches(paths, 256 * 1024)).toHaveLength(1);
    expect(byteBatches([], 10)).toEqual([]);
  });
});
