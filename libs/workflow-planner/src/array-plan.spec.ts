import fc from 'fast-check';
import { groupElements, planArray, rangeItems } from './array-plan';

const indices = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('planArray', () => {
  it('packs 10,000 two-second items into 10-minute elements: 34 elements in one array', () => {
    const plan = planArray({ items: indices(10_000), itemSeconds: 2, targetSeconds: 600, maxArraySize: 1001, throttle: 64 });
    expect(plan.itemsPerElement).toBe(300);
    expect(plan.elementCount).toBe(34);
    expect(plan.chunks.map((c) => c.arraySpec)).toEqual(['0-33%34']);
    expect(plan.chunks[0]?.elements[33]).toEqual(indices(10_000).slice(9_900));
    expect(plan.chunks.flatMap((c) => c.elements).flat()).toEqual(indices(10_000));
  });

  it('splits at MaxArraySize when one item per element is all that fits', () => {
    const plan = planArray({ items: indices(2_500), itemSeconds: 900, targetSeconds: 600, maxArraySize: 1001, throttle: 100 });
    expect(plan.itemsPerElement).toBe(1);
    expect(plan.chunks.map((c) => c.arraySpec)).toEqual(['0-1000%100', '0-1000%100', '0-497%100']);
    expect(plan.chunks.map((c) => c.elements.length)).toEqual([1001, 1001, 498]);
  });

  it('fills every wave when told how many elements run at once', () => {
    // 1000 × 0.2 s in 10 s elements is 20 elements: waves of 8, 8 and 4. 24 fill three waves.
    const plan = planArray({ items: indices(1000), itemSeconds: 0.2, targetSeconds: 10, maxArraySize: 1001, throttle: 8, slots: 8 });
    expect([plan.elementCount, plan.itemsPerElement, plan.chunks[0]?.arraySpec]).toEqual([24, 42, '0-23%8']);
    const few = planArray({ items: indices(5), itemSeconds: 1, targetSeconds: 10, maxArraySize: 1001, slots: 8 });
    expect([few.elementCount, few.itemsPerElement]).toEqual([5, 1]);
  });

  it('plans only the failed items for a retry', () => {
    const plan = planArray({ items: [7, 42, 4_096], itemSeconds: 2, targetSeconds: 600, maxArraySize: 1001 });
    expect(plan.chunks).toEqual([{ arraySpec: '0', elements: [[7, 42, 4_096]] }]);
  });

  it('plans nothing for no items and refuses nonsense', () => {
    expect(planArray({ items: [], itemSeconds: 1, targetSeconds: 1, maxArraySize: 10 }).chunks).toEqual([]);
    expect(() => planArray({ items: [1], itemSeconds: 0, targetSeconds: 1, maxArraySize: 10 })).toThrow(/positive/);
    expect(() => planArray({ items: [1], itemSeconds: 1, targetSeconds: 1, maxArraySize: 0 })).toThrow(/MaxArraySize/);
  });

  it('expands ranges', () => {
    expect(rangeItems({ from: 0, to: 10, step: 5 })).toEqual([0, 5, 10]);
  });
});

describe('array chunks within the per-job limits', () => {
  it('groups whole elements into jobs of at most maxItems items and maxBytes of item text, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1000, max: 50_000 }),
        (sizes, perElement, maxItems, maxBytes) => {
          const indices = sizes.map((_, i) => i);
          const elements: number[][] = [];
          for (let i = 0; i < indices.length; i += perElement) elements.push(indices.slice(i, i + perElement));
          const groups = groupElements(elements, (i) => sizes[i] ?? 0, { maxItems, maxBytes });
          expect(groups.flat()).toEqual(elements);
          for (const group of groups) {
            const items = group.flat();
            if (group.length > 1) {
              expect(items.length).toBeLessThanOrEqual(maxItems);
              expect(items.reduce((sum, i) => sum + (sizes[i] ?? 0), 0)).toBeLessThanOrEqual(maxBytes);
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('packs no more items per element than maxItemsPerElement allows', () => {
    const plan = planArray({ items: Array.from({ length: 1000 }, (_, i) => i), itemSeconds: 1, targetSeconds: 500, maxArraySize: 1000, maxItemsPerElement: 32 });
    expect(plan.itemsPerElement).toBe(32);
    expect(plan.elementCount).toBe(32);
  });
});
