import fc from 'fast-check';
import { nextTransientTry, transientReady } from './transient-retries';

describe('nextTransientTry', () => {
  it('waits twice as long each try, up to the longest wait, and fails at the budget\'s end with the last reason', () => {
    const policy = { firstDelayMs: 1000, maxDelayMs: 4000, budgetMs: 10_000 };
    const t0 = new Date('2026-01-01T00:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);
    let node = { transient_tries: 0, transient_since: null as Date | null };
    const retries: number[] = [];
    for (const now of [0, 1000, 3000, 7000]) {
      const next = nextTransientTry(policy, node, 'site a', 'no answer', at(now));
      if ('failure' in next) throw new Error(next.failure);
      retries.push(next.retryAt.getTime() - t0.getTime());
      node = { transient_tries: next.tries, transient_since: next.since };
    }
    expect(retries).toEqual([1000, 3000, 7000, 10_000]);
    expect(nextTransientTry(policy, node, 'site a', 'no answer', at(10_000))).toEqual({ failure: 'site a unreachable for 10 s (5 tries): no answer' });
  });

  it('never schedules a try in the past or after the budget, and fails exactly once the budget is spent (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 1, max: 600_000 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 60 }),
        (first, longest, budget, gaps) => {
          const policy = { firstDelayMs: first, maxDelayMs: Math.max(first, longest), budgetMs: budget };
          const since = new Date('2026-01-01T00:00:00Z');
          let node = { transient_tries: 0, transient_since: null as Date | null };
          let now = since.getTime();
          for (const gap of [0, ...gaps]) {
            now += gap;
            const next = nextTransientTry(policy, node, 'site a', 'x', new Date(now));
            const spent = now >= since.getTime() + budget;
            expect('failure' in next).toBe(spent);
            if ('failure' in next) return;
            expect(next.retryAt.getTime()).toBeGreaterThan(now);
            expect(next.retryAt.getTime()).toBeLessThanOrEqual(since.getTime() + budget);
            expect(next.retryAt.getTime() - now).toBeLessThanOrEqual(policy.maxDelayMs);
            expect(transientReady({ transient_retry_at: next.retryAt }, new Date(now))).toBe(false);
            expect(transientReady({ transient_retry_at: next.retryAt }, next.retryAt)).toBe(true);
            node = { transient_tries: next.tries, transient_since: next.since };
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
