import fc from 'fast-check';
import { RequestSlots } from './request-slots';

describe('RequestSlots', () => {
  it('refuses a limit that is not a whole number of at least 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new RequestSlots(bad)).toThrow(RangeError);
  });

  it('grants slots up to the limit at once, then first come first served as slots are released', async () => {
    const slots = new RequestSlots(2);
    await slots.acquire();
    await slots.acquire();
    const order: number[] = [];
    const third = slots.acquire().then(() => order.push(3));
    const fourth = slots.acquire().then(() => order.push(4));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(slots.inUse).toBe(2);
    slots.release();
    await third;
    expect(order).toEqual([3]);
    expect(slots.inUse).toBe(2);
    slots.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    slots.release();
    slots.release();
    expect(slots.inUse).toBe(0);
  });

  it('never has more than limit holders, whatever the order of acquires and releases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.array(fc.boolean(), { maxLength: 200 }), async (limit, steps) => {
        const slots = new RequestSlots(limit);
        let holders = 0;
        let waiters = 0;
        for (const acquire of steps) {
          if (acquire) {
            waiters += 1;
            void slots.acquire().then(() => {
              waiters -= 1;
              holders += 1;
            });
          } else if (holders > 0) {
            holders -= 1;
            slots.release();
          }
          await new Promise((resolve) => setImmediate(resolve));
          expect(holders).toBeLessThanOrEqual(limit);
          expect(slots.inUse).toBe(holders);
          // Nobody waits while a slot is free.
          if (waiters > 0) expect(holders).toBe(limit);
        }
      }),
      { numRuns: 100 },
    );
  });
});
