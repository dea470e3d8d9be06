import fc from 'fast-check';
import { backoffFactor, PollBackoff } from './poll-backoff';

/** Runs `ticks` ticks: each lists when due, and reports whether that listing saw a change. */
function run(max: number, steps: readonly { changed: boolean; urge: boolean }[]) {
  const backoff = new PollBackoff(max);
  const listedAt: number[] = [];
  const urgedAt: number[] = [];
  const changedAt: number[] = [];
  steps.forEach((step, tick) => {
    if (step.urge) {
      backoff.urge();
      urgedAt.push(tick);
    }
    if (backoff.due()) {
      listedAt.push(tick);
      backoff.listed(step.changed);
      if (step.changed) changedAt.push(tick);
    }
  });
  return { listedAt, urgedAt, changedAt };
}

const steps = fc.array(fc.record({ changed: fc.boolean(), urge: fc.integer({ min: 0, max: 9 }).map((n) => n === 0) }), { maxLength: 200 });

describe('PollBackoff', () => {
  it('lists at the first tick, and never more than `max` ticks apart', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), steps, (max, s) => {
        const { listedAt } = run(max, s);
        if (s.length > 0) expect(listedAt[0]).toBe(0);
        const gaps = listedAt.slice(1).map((t, i) => t - (listedAt[i] as number));
        expect(gaps.every((gap) => gap >= 1 && gap <= max)).toBe(true);
        // A listing is never more than `max` ticks behind the last tick either.
        if (s.length > 0) expect(s.length - 1 - (listedAt.at(-1) as number)).toBeLessThan(max);
      }),
      { numRuns: 300 },
    );
  });

  it('lists at the tick of an urge, and at the tick after a listing that saw a change', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), steps, (max, s) => {
        const { listedAt, urgedAt, changedAt } = run(max, s);
        for (const t of urgedAt) expect(listedAt).toContain(t);
        for (const t of changedAt) if (t + 1 < s.length) expect(listedAt).toContain(t + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('while nothing changes and nothing urges, the gaps double up to `max` and stay there', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 400 }), (max, ticks) => {
        const { listedAt } = run(max, Array.from({ length: ticks }, () => ({ changed: false, urge: false })));
        const gaps = listedAt.slice(1).map((t, i) => t - (listedAt[i] as number));
        gaps.forEach((gap, i) => expect(gap).toBe(Math.min(2 ** (i + 1), max)));
      }),
      { numRuns: 200 },
    );
  });

  it('with a factor of 1 lists at every tick (no back-off)', () => {
    fc.assert(
      fc.property(steps, (s) => {
        expect(run(1, s).listedAt).toEqual(s.map((_, t) => t));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a factor that is not a positive integer, and derives one from the intervals', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new PollBackoff(bad)).toThrow(/invalid back-off factor/);
    expect(backoffFactor(1000, 8000)).toBe(8);
    expect(backoffFactor(500, 1000)).toBe(2);
    expect(backoffFactor(1000, 1500)).toBe(1);
    expect(backoffFactor(1000, 100)).toBe(1);
  });
});
