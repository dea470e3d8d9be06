import fc from 'fast-check';
import { digestOf, imageOf, runIdOf } from './images-spec-kit';
import { chooseEvictions } from './quota-policy';

describe('quota policy (least recently used first)', () => {
  it('nothing when within the quota', () => {
    expect(chooseEvictions([imageOf(1, 1)], 1000, 1000, new Set())).toEqual([]);
  });

  it('least recently used first, only as many as needed', () => {
    const images = [imageOf(1, 30), imageOf(2, 10), imageOf(3, 20), imageOf(4, 40)];
    expect(chooseEvictions(images, 4000, 2500, new Set()).map((image) => image.digest)).toEqual([digestOf(2), digestOf(3)]);
  });

  it('skips an image in use, one a live run used, and the one kept, even when that leaves the site over quota', () => {
    const images = [imageOf(1, 1, { inUse: true }), imageOf(2, 2, { runIds: [runIdOf(1), runIdOf(2)] }), imageOf(3, 3), imageOf(4, 4)];
    expect(chooseEvictions(images, 4000, 0, new Set([runIdOf(2)]), new Set([digestOf(4)])).map((image) => image.digest)).toEqual([digestOf(3)]);
  });

  it('property: never an image in use, a live run\'s or a kept one; evicts oldest first; reaches the quota when the evictable suffice', () => {
    const image = fc.record({ n: fc.integer({ min: 1, max: 1_000_000 }), lastUsed: fc.integer({ min: 0, max: 10_000 }), size: fc.integer({ min: 0, max: 10_000 }), inUse: fc.boolean(), run: fc.integer({ min: 0, max: 20 }) });
    fc.assert(
      fc.property(fc.uniqueArray(image, { maxLength: 60, selector: (i) => i.n }), fc.integer({ min: 0, max: 300_000 }), fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { maxLength: 20 }), fc.integer({ min: 0, max: 2 }), (specs, quota, live, keepEvery) => {
        const images = specs.map((s) => imageOf(s.n, s.lastUsed, { size: s.size, inUse: s.inUse, runIds: s.run === 0 ? [] : [runIdOf(s.run)] }));
        const used = images.reduce((sum, i) => sum + i.size, 0);
        const liveIds = new Set(live.map(runIdOf));
        const keep = new Set(keepEvery === 0 ? [] : images.filter((_, i) => i % (keepEvery + 1) === 0).map((i) => i.digest));
        const chosen = chooseEvictions(images, used, quota, liveIds, keep);
        for (const c of chosen) {
          expect(c.inUse).toBe(false);
          expect(keep.has(c.digest)).toBe(false);
          expect(c.runIds.some((r) => liveIds.has(r))).toBe(false);
        }
        const times = chosen.map((c) => Date.parse(c.lastUsed));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        const evictable = images.filter((i) => !i.inUse && !keep.has(i.digest) && !i.runIds.some((r) => liveIds.has(r)));
        const after = used - chosen.reduce((sum, c) => sum + c.size, 0);
        if (used <= quota) expect(chosen).toEqual([]);
        else if (used - evictable.reduce((sum, i) => sum + i.size, 0) <= quota) expect(after).toBeLessThanOrEqual(quota);
        else expect(chosen).toHaveLength(evictable.length);
        // No more than needed: without the last one chosen, the site would still be over.
        const last = chosen.at(-1);
        if (last) expect(after + last.size).toBeGreaterThan(quota);
      }),
      { numRuns: 300 },
    );
  });
});
