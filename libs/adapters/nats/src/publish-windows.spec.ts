import fc from 'fast-check';
import { publishWindows } from './jetstream.repository';

describe('publishWindows (how an outbox drain sends its rows)', () => {
  it('keeps every message once, in order, in windows of at most the size with no subject twice, cut only when needed', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), { maxLength: 300 }), fc.integer({ min: 1, max: 10 }), (subjects, size) => {
        const messages = subjects.map((subject, i) => ({ subject, i }));
        const windows = publishWindows(messages, size);
        expect(windows.flat()).toEqual(messages);
        for (const window of windows) {
          expect(window.length).toBeGreaterThan(0);
          expect(window.length).toBeLessThanOrEqual(size);
          expect(new Set(window.map((m) => m.subject)).size).toBe(window.length);
        }
        // Each cut was needed: the window was full, or the next message's subject was in it.
        for (let k = 1; k < windows.length; k += 1) {
          const before = windows[k - 1] ?? [];
          const next = windows[k]?.[0];
          expect(before.length === size || before.some((m) => m.subject === next?.subject)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('sends a burst of distinct subjects (one event of each of many jobs) in full windows, and nothing for no rows', () => {
    const burst = Array.from({ length: 300 }, (_, i) => ({ subject: `cairn.jobs.events.${i}` }));
    expect(publishWindows(burst, 128).map((w) => w.length)).toEqual([128, 128, 44]);
    expect(publishWindows([], 128)).toEqual([]);
  });
});
