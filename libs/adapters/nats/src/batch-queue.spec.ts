import fc from 'fast-check';
import { BatchQueue } from './batch-queue';

/** Whether the promise has settled after the pending jobs ran (fake timers: no time passes). */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await jest.advanceTimersByTimeAsync(0);
  return done;
}

describe('BatchQueue', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('refuses a maxBatch that is not a whole number of at least 1, and a negative or endless gather', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new BatchQueue(bad)).toThrow(RangeError);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => new BatchQueue(10, bad)).toThrow(RangeError);
  });

  it('without a gather, hands on at once what is queued, at most maxBatch at a time', async () => {
    const queue = new BatchQueue<number>(2);
    for (const n of [1, 2, 3]) queue.push(n);
    expect(await queue.next()).toEqual([1, 2]);
    expect(await queue.next()).toEqual([3]);
    const waiting = queue.next();
    expect(await settled(waiting)).toBe(false);
    queue.push(4);
    expect(await waiting).toEqual([4]);
  });

  it('with a gather, waits until the oldest item has waited gatherMs, taking what came meanwhile', async () => {
    const queue = new BatchQueue<string>(100, 50);
    const batch = queue.next();
    queue.push('a');
    await jest.advanceTimersByTimeAsync(30);
    queue.push('b');
    expect(await settled(batch)).toBe(false);
    await jest.advanceTimersByTimeAsync(19);
    expect(await settled(batch)).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await batch).toEqual(['a', 'b']);
    // 'c' came 20 ms after 'b' was taken: its own 50 ms count from its arrival.
    await jest.advanceTimersByTimeAsync(20);
    queue.push('c');
    const next = queue.next();
    await jest.advanceTimersByTimeAsync(49);
    expect(await settled(next)).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await next).toEqual(['c']);
  });

  it('hands on a full batch at once, and items that waited while the consumer was busy at once', async () => {
    const queue = new BatchQueue<number>(3, 1000);
    const batch = queue.next();
    for (const n of [1, 2, 3, 4]) queue.push(n);
    expect(await settled(batch)).toBe(true);
    expect(await batch).toEqual([1, 2, 3]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(await settled(queue.next())).toBe(true);
  });

  it('once ended, hands on what is left at once, then answers undefined', async () => {
    const queue = new BatchQueue<number>(10, 1000);
    const batch = queue.next();
    queue.push(1);
    queue.end();
    expect(await batch).toEqual([1]);
    expect(await queue.next()).toBeUndefined();
    const empty = new BatchQueue<number>(10, 1000);
    const none = empty.next();
    empty.end();
    expect(await none).toBeUndefined();
  });

  it('hands on every item once, in order, in non-empty batches of at most maxBatch, none held past its gather', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.record({ after: fc.integer({ min: 0, max: 120 }), count: fc.integer({ min: 0, max: 10 }) }), { maxLength: 30 }),
        fc.integer({ min: 0, max: 60 }),
        async (maxBatch, gatherMs, arrivals, handleMs) => {
          const queue = new BatchQueue<{ n: number; at: number }>(maxBatch, gatherMs);
          const batches: Array<{ items: Array<{ n: number; at: number }>; at: number }> = [];
          const consumer = (async () => {
            for (let batch = await queue.next(); batch; batch = await queue.next()) {
              batches.push({ items: batch, at: Date.now() });
              // The handler takes handleMs (a timer: at least 1 ms): items keep arriving meanwhile.
              await new Promise((resolve) => setTimeout(resolve, handleMs));
            }
          })();
          let n = 0;
          for (const { after, count } of arrivals) {
            await jest.advanceTimersByTimeAsync(after);
            for (let i = 0; i < count; i += 1) queue.push({ n: n++, at: Date.now() });
          }
          await jest.advanceTimersByTimeAsync(gatherMs + handleMs * (n + 1) + 1);
          queue.end();
          await jest.runAllTimersAsync();
          await consumer;
          expect(batches.flatMap((b) => b.items.map((item) => item.n))).toEqual([...Array(n).keys()]);
          for (const batch of batches) {
            expect(batch.items.length).toBeGreaterThan(0);
            expect(batch.items.length).toBeLessThanOrEqual(maxBatch);
            // A batch goes when its oldest item has waited gatherMs (or sooner), unless the consumer was busy.
            expect(batch.at - (batch.items[0]?.at ?? 0)).toBeLessThanOrEqual(gatherMs + Math.max(handleMs, 1) * batches.length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
