import fc from 'fast-check';
import type { ResolvedImage } from '@cairn/contracts';
import { PrewarmOnce } from './prewarm-once';

const image = (n: number): ResolvedImage => ({ reference: `lab/x:${n}`, pinned: `reg/lab/x@sha256:${String(n).padStart(64, '0')}`, digest: `sha256:${String(n).padStart(64, '0')}` });

describe('PrewarmOnce', () => {
  it('passes on a (site, image) once per window, and every pair not pre-warmed in the last window (any calls, any clock steps)', () => {
    const call = fc.record({
      step: fc.integer({ min: 0, max: 3_000 }),
      site: fc.constantFrom('dev', 'hpc1'),
      images: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }),
      runId: fc.uuid(),
    });
    fc.assert(
      fc.property(fc.array(call, { maxLength: 60 }), (calls) => {
        let now = 1_000_000;
        const passed: { site: string; pinned: string[]; runId: string; at: number }[] = [];
        const once = new PrewarmOnce({ prewarm: (site, images, runId) => passed.push({ site, pinned: images.map((i) => i.pinned), runId, at: now }) }, 5_000, () => now);
        // The model: when each pair was last passed on.
        const last = new Map<string, number>();
        for (const c of calls) {
          now += c.step;
          const before = passed.length;
          once.prewarm(c.site, c.images.map(image), c.runId);
          const expected = [...new Set(c.images.map((n) => image(n).pinned))].filter((pinned) => {
            const at = last.get(`${c.site} ${pinned}`);
            return at === undefined || now - at >= 5_000;
          });
          for (const pinned of expected) last.set(`${c.site} ${pinned}`, now);
          const got = passed.slice(before);
          if (expected.length === 0) expect(got).toEqual([]);
          else expect(got).toEqual([{ site: c.site, pinned: expected, runId: c.runId, at: now }]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('asks once for a burst of a thousand jobs on one image, again after the window, and remembers a bounded number of pairs', () => {
    let now = 0;
    const passed: string[] = [];
    const once = new PrewarmOnce({ prewarm: (_site, _images, runId) => passed.push(runId) }, 5_000, () => now, 100);
    for (let i = 0; i < 1000; i += 1) {
      once.prewarm('dev', [image(1)], `job-${i}`);
      now += 1;
    }
    expect(passed).toEqual(['job-0']);
    now = 5_000;
    once.prewarm('dev', [image(1)], 'job-late');
    expect(passed).toEqual(['job-0', 'job-late']);
    // 200 distinct images: only the last 100 pairs are remembered; an old one passes again.
    for (let n = 10; n < 210; n += 1) once.prewarm('dev', [image(n)], `img-${n}`);
    passed.length = 0;
    once.prewarm('dev', [image(10)], 'again-10');
    once.prewarm('dev', [image(209)], 'again-209');
    expect(passed).toEqual(['again-10']);
  });

  it('passes on again when the clock steps back', () => {
    let now = 10_000;
    const passed: string[] = [];
    const once = new PrewarmOnce({ prewarm: (_site, _images, runId) => passed.push(runId) }, 5_000, () => now);
    once.prewarm('dev', [image(1)], 'a');
    now = 9_000;
    once.prewarm('dev', [image(1)], 'b');
    expect(passed).toEqual(['a', 'b']);
  });
});
