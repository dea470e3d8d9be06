import fc from 'fast-check';
import { groupElements, parallelSlots, planArray, planArrayShape, rangeItems } from './array-plan';
import { JOB_LIMITS } from '@cairn/contracts';
import { MAX_STEP_ITEMS } from '@cairn/workflow-language';

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

/** Waves of `elements` on `slots` (every element as long as the longest: the plan's bound). */
const waves = (elements: number, slots: number) => Math.ceil(elements / slots);

describe('balanced packing (properties)', () => {
  const input = fc.record({
    count: fc.integer({ min: 1, max: 3000 }),
    itemSeconds: fc.double({ min: 0.001, max: 1000, noNaN: true }),
    targetSeconds: fc.integer({ min: 1, max: 7 * 86_400 }),
    maxArraySize: fc.integer({ min: 1, max: 1001 }),
    slots: fc.integer({ min: 1, max: 512 }),
    maxItemsPerElement: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
  });

  it('runs every item exactly once, in order, within the item cap and MaxArraySize', () => {
    fc.assert(
      fc.property(input, ({ count, maxItemsPerElement, ...rest }) => {
        const plan = planArray({ ...rest, items: indices(count), throttle: rest.slots, ...(maxItemsPerElement ? { maxItemsPerElement } : {}) });
        const elements = plan.chunks.flatMap((c) => c.elements);
        expect(elements.flat()).toEqual(indices(count));
        expect(elements).toHaveLength(plan.elementCount);
        expect(elements.every((e) => e.length >= 1 && e.length <= plan.itemsPerElement)).toBe(true);
        expect(plan.itemsPerElement).toBeLessThanOrEqual(maxItemsPerElement ?? Infinity);
        expect(plan.chunks.every((c) => c.elements.length <= rest.maxArraySize)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('fills every slot to the end: never more waves than the target packing, and no wave can lose an item per element', () => {
    fc.assert(
      fc.property(input, ({ count, itemSeconds, targetSeconds, slots, maxItemsPerElement }) => {
        const shape = planArrayShape(count, { itemSeconds, targetSeconds, maxArraySize: 1001, slots, ...(maxItemsPerElement ? { maxItemsPerElement } : {}) });
        const unbalanced = Math.min(Math.max(1, Math.floor(targetSeconds / itemSeconds)), maxItemsPerElement ?? Infinity);
        const w = waves(shape.elementCount, slots);
        // Elements no longer than the target asks, in no more waves than it makes.
        expect(shape.itemsPerElement).toBeLessThanOrEqual(unbalanced);
        expect(w).toBeLessThanOrEqual(waves(Math.ceil(count / unbalanced), slots));
        // The last wave leaves no slot idle that items could fill: one item fewer per element
        // would need another wave, so every slot idles less than one item per wave.
        if (shape.itemsPerElement > 1) expect(Math.ceil(count / (shape.itemsPerElement - 1))).toBeGreaterThan(slots * w);
        expect(slots * w * shape.itemsPerElement - count).toBeLessThan(slots * w);
      }),
      { numRuns: 500 },
    );
  });

  it('at the limits: 10,000 items per job and a million items per step, on 1 to 6,400 slots', () => {
    fc.assert(
      fc.property(fc.constantFrom(JOB_LIMITS.maxItems, MAX_STEP_ITEMS), fc.integer({ min: 1, max: 6400 }), fc.double({ min: 0.01, max: 60, noNaN: true }), (count, slots, itemSeconds) => {
        const shape = planArrayShape(count, { itemSeconds, targetSeconds: 600, maxArraySize: 1001, throttle: slots, slots });
        const w = waves(shape.elementCount, slots);
        expect(shape.elementCount * shape.itemsPerElement).toBeGreaterThanOrEqual(count);
        expect((shape.elementCount - 1) * shape.itemsPerElement).toBeLessThan(count);
        expect(slots * w * shape.itemsPerElement - count).toBeLessThan(slots * w);
        expect(shape.arraySpecs).toHaveLength(Math.ceil(shape.elementCount / 1001));
      }),
      { numRuns: 100 },
    );
  });

  it('balances with or without a throttle: the throttle within the job slots for the step\'s CPUs, else those slots', () => {
    expect(parallelSlots(8, 8)).toBe(8);
    expect(parallelSlots(64, 8)).toBe(8);
    expect(parallelSlots(4, 8)).toBe(4);
    expect(parallelSlots(undefined, 8)).toBe(8);
    expect(parallelSlots(undefined, 8, 2)).toBe(4);
    expect(parallelSlots(undefined, 8, 16)).toBe(1);
    expect(parallelSlots(5, 0)).toBe(5);
    expect(parallelSlots(undefined, 0)).toBeUndefined();
    // 1,000 × 0.2 s in 10 s elements without a throttle on 8 slots: 24 × 42 (three full waves), not 20 × 50.
    const plan = planArray({ items: indices(1000), itemSeconds: 0.2, targetSeconds: 10, maxArraySize: 1001, slots: parallelSlots(undefined, 8) });
    expect([plan.elementCount, plan.itemsPerElement, plan.chunks[0]?.arraySpec]).toEqual([24, 42, '0-23']);
  });
});
