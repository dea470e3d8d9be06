import fc from 'fast-check';
import { CairnError, type ResolvedImage } from '@cairn/contracts';
import { ResolvedImages } from './resolved-images';

const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const image = (reference: string, n: number, reuseForMs?: number): ResolvedImage => ({
  reference,
  pinned: `reg/lab/x@${digestOf(n)}`,
  digest: digestOf(n),
  ...(reuseForMs === undefined ? {} : { reuseForMs }),
});

/**
 * The images service as a model: a tag cache with a TTL in front of a registry whose tags
 * move (the ResolutionCache's rule: an answer is reused while younger than the TTL), saying
 * for each answer how long it may be reused.
 */
function imagesModel(ttlMs: number, clock: () => number) {
  const registry = new Map<string, number>();
  const cache = new Map<string, { n: number; at: number }>();
  let asked = 0;
  const fresh = (key: string) => {
    const hit = cache.get(key);
    return hit && clock() - hit.at < ttlMs ? hit : undefined;
  };
  return {
    registry,
    asked: () => asked,
    /** What the images service answers now (its cached digest while fresh, else the registry's). */
    wouldAnswer: (reference: string, site: string) => fresh(JSON.stringify([reference, site]))?.n ?? registry.get(reference) ?? 0,
    ask: (reference: string, site: string): Promise<ResolvedImage> => {
      asked += 1;
      const key = JSON.stringify([reference, site]);
      const hit = fresh(key) ?? { n: registry.get(reference) ?? 0, at: clock() };
      cache.set(key, hit);
      return Promise.resolve(image(reference, hit.n, Math.max(0, ttlMs - (clock() - hit.at))));
    },
  };
}

describe('ResolvedImages (the scheduler\'s tag cache in front of the images service)', () => {
  it('never answers what the images service would not answer at that moment: for any TTL, moves of tags and times of asking', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 4_000 }) }),
      fc.record({ kind: fc.constant('move' as const), tag: fc.integer({ min: 0, max: 2 }), to: fc.integer({ min: 1, max: 1_000 }) }),
      fc.record({ kind: fc.constant('resolve' as const), tag: fc.integer({ min: 0, max: 2 }), site: fc.constantFrom('dev', 'hpc1') }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 1_000, 3_000, 300_000), fc.array(op, { maxLength: 60 }), async (ttlMs, ops) => {
        let now = 1_000_000;
        const model = imagesModel(ttlMs, () => now);
        const cache = new ResolvedImages(model.ask, () => now);
        for (const o of ops) {
          if (o.kind === 'advance') now += o.ms;
          else if (o.kind === 'move') model.registry.set(`lab/x:${o.tag}`, o.to);
          else {
            const reference = `lab/x:${o.tag}`;
            const expected = model.wouldAnswer(reference, o.site);
            const before = model.asked();
            const answer = await cache.resolve(reference, o.site);
            expect(answer.digest).toBe(digestOf(expected));
            // A TTL of 0 keeps nothing: every submission asks.
            if (ttlMs === 0) expect(model.asked()).toBe(before + 1);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reuses an answer for reuseForMs counted from when it was asked (a slow answer is not kept longer), then asks again', async () => {
    let now = 0;
    const asks: string[] = [];
    const cache = new ResolvedImages(async (reference) => {
      asks.push(reference);
      now += 400; // the images service took 400 ms to answer
      return image(reference, asks.length, 1_000);
    }, () => now);
    expect(cache.holds('lab/x:1', 'dev')).toBe(false);
    expect((await cache.resolve('lab/x:1', 'dev')).digest).toBe(digestOf(1));
    now = 999;
    // holds says exactly whether resolve answers without asking.
    expect([cache.holds('lab/x:1', 'dev'), cache.holds('lab/x:1', 'hpc1')]).toEqual([true, false]);
    const again = await cache.resolve('lab/x:1', 'dev');
    expect([again.digest, again.cached, asks.length]).toEqual([digestOf(1), true, 1]);
    now = 1_000;
    expect(cache.holds('lab/x:1', 'dev')).toBe(false);
    expect((await cache.resolve('lab/x:1', 'dev')).digest).toBe(digestOf(2));
    expect(asks).toHaveLength(2);
  });

  it('keeps nothing without reuseForMs or with 0, and nothing that failed; the site is part of the key', async () => {
    let n = 0;
    const reuse = new Map<string, number | undefined>([['lab/none:1', undefined], ['lab/zero:1', 0], ['lab/kept:1', 60_000]]);
    const cache = new ResolvedImages(async (reference) => {
      n += 1;
      if (reference === 'lab/refused:1') throw new CairnError('NOT_FOUND', 'no such tag');
      return image(reference, n, reuse.get(reference));
    }, () => 0);
    for (const reference of ['lab/none:1', 'lab/zero:1', 'lab/refused:1']) {
      const before = n;
      await cache.resolve(reference, 'dev').catch(() => undefined);
      await cache.resolve(reference, 'dev').catch(() => undefined);
      expect(n).toBe(before + 2);
    }
    await cache.resolve('lab/kept:1', 'dev');
    await cache.resolve('lab/kept:1', 'dev');
    await cache.resolve('lab/kept:1', 'hpc1');
    expect([n, cache.size]).toEqual([8, 2]);
  });

  it('concurrent misses for one (reference, site) make one request and share its answer or its refusal', async () => {
    let asked = 0;
    let fail = false;
    const cache = new ResolvedImages(async (reference) => {
      asked += 1;
      await new Promise((resolve) => setImmediate(resolve));
      if (fail) throw new CairnError('UNAVAILABLE', 'registry down');
      return image(reference, asked, 60_000);
    }, () => 0);
    const answers = await Promise.all(Array.from({ length: 16 }, () => cache.resolve('lab/x:1', 'dev')));
    expect([asked, new Set(answers.map((a) => a.digest)).size]).toEqual([1, 1]);
    fail = true;
    const refused = await Promise.allSettled(Array.from({ length: 16 }, () => cache.resolve('lab/y:1', 'dev')));
    expect([asked, refused.every((r) => r.status === 'rejected')]).toEqual([2, true]);
  });

  it('holds at most maxEntries answers (the oldest stored go first)', async () => {
    const cache = new ResolvedImages(async (reference) => image(reference, 1, 60_000), () => 0, 3);
    for (let i = 0; i < 10; i += 1) await cache.resolve(`lab/x:${i}`, 'dev');
    expect(cache.size).toBe(3);
  });
});
