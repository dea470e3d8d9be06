import { createLogger } from '@cairn/logging';
import { AMD64, factsOf, MemoryStore } from './images-spec-kit';
import { ResolutionCache } from './resolution-cache';

const TAG = { registry: '127.0.0.1:5000', repository: 'lab/busybox', tag: '1.36', platform: 'linux/amd64' };
const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
const TTL = 300_000;

function setup(store = new MemoryStore(), maxEntries?: number) {
  let now = T0;
  const logged: string[] = [];
  const logger = createLogger('test', 'error', { write: (line: string) => logged.push((JSON.parse(line) as { msg: string }).msg) });
  const cache = new ResolutionCache(store, TTL, logger, () => now, maxEntries);
  return { cache, store, logged, advance: (ms: number) => (now += ms) };
}

describe('ResolutionCache (tag TTL, digest facts for good)', () => {
  it('answers a tag until its TTL is over, then no more (the boundary is exclusive)', async () => {
    const { cache, advance } = setup();
    await cache.rememberTag(TAG, { facts: factsOf(1), resolvedAt: new Date(T0) });
    expect((await cache.tag(TAG))?.facts.digest).toBe(factsOf(1).digest);
    advance(TTL - 1);
    expect(await cache.tag(TAG)).toBeDefined();
    advance(1);
    expect(await cache.tag(TAG)).toBeUndefined();
  });

  it('a TTL of 0 never answers a tag, and lets nobody reuse an answer', async () => {
    const cache = new ResolutionCache(new MemoryStore(), 0, createLogger('test', 'silent'), () => T0);
    await cache.rememberTag(TAG, { facts: factsOf(1), resolvedAt: new Date(T0) });
    expect(await cache.tag(TAG)).toBeUndefined();
    expect(cache.reuseFor(new Date(T0))).toBe(0);
  });

  it('an answer may be reused for what remains of the TTL: never past it, never one from the future', () => {
    const { cache, advance } = setup();
    expect(cache.reuseFor(new Date(T0))).toBe(TTL);
    advance(TTL - 250);
    expect(cache.reuseFor(new Date(T0))).toBe(250);
    advance(250);
    expect(cache.reuseFor(new Date(T0))).toBe(0);
    expect(cache.reuseFor(new Date(T0 + TTL + 60_000))).toBe(0);
  });

  it('an answer from the future (a clock set back) is not trusted', async () => {
    const { cache } = setup();
    await cache.rememberTag(TAG, { facts: factsOf(1), resolvedAt: new Date(T0 + 60_000) });
    expect(await cache.tag(TAG)).toBeUndefined();
  });

  it('a new cache on the same store (a restarted service) still answers within the TTL, and keeps the original time', async () => {
    const store = new MemoryStore();
    const first = setup(store);
    await first.cache.rememberTag(TAG, { facts: factsOf(1), resolvedAt: new Date(T0) });
    await first.cache.rememberDigest({ ...TAG, digest: factsOf(1).digest }, factsOf(1));
    const restarted = setup(store);
    restarted.advance(TTL / 2);
    expect(await restarted.cache.tag(TAG)).toEqual({ facts: factsOf(1), resolvedAt: new Date(T0) });
    restarted.advance(TTL / 2);
    expect(await restarted.cache.tag(TAG)).toBeUndefined();
    expect(await restarted.cache.digest({ ...TAG, digest: factsOf(1).digest })).toEqual(factsOf(1));
  });

  it('keeps digest facts for good, and the first facts recorded of a digest stay', async () => {
    const { cache, advance } = setup();
    const key = { registry: TAG.registry, repository: TAG.repository, digest: factsOf(1).digest, platform: 'linux/amd64' };
    await cache.rememberDigest(key, factsOf(1));
    await cache.rememberDigest(key, { ...factsOf(1), mediaType: 'other' });
    advance(365 * 24 * 3600 * 1000);
    expect(await cache.digest(key)).toEqual(factsOf(1));
  });

  it('a platform is part of the key', async () => {
    const { cache } = setup();
    await cache.rememberTag(TAG, { facts: factsOf(1, AMD64), resolvedAt: new Date(T0) });
    expect(await cache.tag({ ...TAG, platform: 'linux/arm64/v8' })).toBeUndefined();
  });

  it('a store that fails is a miss and a log line, never a failed resolution; memory still answers', async () => {
    const store = new MemoryStore();
    const { cache, logged } = setup(store);
    store.failing = true;
    await expect(cache.rememberTag(TAG, { facts: factsOf(1), resolvedAt: new Date(T0) })).resolves.toBeUndefined();
    expect((await cache.tag(TAG))?.facts).toEqual(factsOf(1));
    expect(await cache.tag({ ...TAG, tag: 'other' })).toBeUndefined();
    expect(logged).toEqual(['resolution cache could not record a tag; resolving goes on', 'resolution cache could not read a tag; resolving goes on']);
  });

  it('memory holds at most maxEntries (the oldest go; the store still has them)', async () => {
    const { cache, store } = setup(new MemoryStore(), 3);
    for (let i = 0; i < 5; i++) await cache.rememberTag({ ...TAG, tag: `t${i}` }, { facts: factsOf(i), resolvedAt: new Date(T0) });
    store.failing = true;
    const answered = await Promise.all([0, 1, 2, 3, 4].map(async (i) => (await cache.tag({ ...TAG, tag: `t${i}` })) !== undefined));
    expect(answered).toEqual([false, false, true, true, true]);
  });
});
