import { CairnError, parseImageReference, type Platform } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { ImageResolver } from './image-resolver';
import { AMD64, ARM64, CountingRegistry, digestOf, factsOf, MemoryStore } from './images-spec-kit';
import { parseRegistryAllowList } from './registry-allow-list';
import { ResolutionCache } from './resolution-cache';

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
const TTL = 300_000;
const REG = '127.0.0.1:5000';

function setup(options: { allow?: string; platforms?: Record<string, Platform>; store?: MemoryStore } = {}) {
  let now = T0;
  const registry = new CountingRegistry();
  registry.tags.set(`${REG}/lab/busybox:1.36`, factsOf(1));
  registry.tags.set(`${REG}/lab/multiarch:1`, factsOf(2, ARM64, digestOf(99)));
  const platformCalls: (string | undefined)[] = [];
  const resolver = new ImageResolver({
    parse: (text) => parseImageReference(text, { unqualifiedRegistry: REG }),
    registry,
    cache: new ResolutionCache(options.store ?? new MemoryStore(), TTL, createLogger('test', 'silent'), () => now),
    platforms: {
      of: async (site) => {
        platformCalls.push(site);
        if (site === 'down') throw new CairnError('UNAVAILABLE', 'the agent of site down did not list its images');
        return options.platforms?.[site ?? ''] ?? AMD64;
      },
    },
    allow: parseRegistryAllowList(options.allow ?? ''),
    now: () => now,
  });
  return { resolver, registry, platformCalls, advance: (ms: number) => (now += ms) };
}

describe('ImageResolver', () => {
  it('pins a tag with its facts; a second resolution inside the TTL asks the registry nothing and says cached', async () => {
    const { resolver, registry } = setup();
    const first = await resolver.resolve({ reference: 'lab/busybox:1.36', site: 'dev' });
    expect(first).toEqual({
      reference: 'lab/busybox:1.36',
      pinned: `${REG}/lab/busybox@${digestOf(1)}`,
      digest: digestOf(1),
      canonical: `${REG}/lab/busybox:1.36`,
      platform: AMD64,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      size: 1234,
      resolvedAt: new Date(T0).toISOString(),
      cached: false,
      reuseForMs: TTL,
    });
    const second = await resolver.resolve({ reference: `docker://${REG}/lab/busybox:1.36`, site: 'dev' });
    expect(second).toEqual({ ...first, reference: `docker://${REG}/lab/busybox:1.36`, cached: true });
    expect(registry.calls).toHaveLength(1);
  });

  it('after the TTL asks again and follows a moved tag', async () => {
    const { resolver, registry, advance } = setup();
    await resolver.resolve({ reference: 'lab/busybox:1.36' });
    registry.tags.set(`${REG}/lab/busybox:1.36`, factsOf(7));
    advance(TTL - 1);
    const inside = await resolver.resolve({ reference: 'lab/busybox:1.36' });
    // The asker may reuse it only for what remains of the TTL: never past the moment the tag is asked again.
    expect([inside.digest, inside.reuseForMs]).toEqual([digestOf(1), 1]);
    advance(1);
    const moved = await resolver.resolve({ reference: 'lab/busybox:1.36' });
    expect([moved.digest, moved.cached, registry.calls.length, moved.reuseForMs]).toEqual([digestOf(7), false, 2, TTL]);
  });

  it('a restarted resolver on the same store answers inside the TTL without the registry', async () => {
    const store = new MemoryStore();
    await setup({ store }).resolver.resolve({ reference: 'lab/busybox:1.36' });
    const restarted = setup({ store });
    expect((await restarted.resolver.resolve({ reference: 'lab/busybox:1.36' })).cached).toBe(true);
    expect(restarted.registry.calls).toHaveLength(0);
  });

  it('a digest once known is answered from its facts for good, also by its index digest', async () => {
    const { resolver, registry, advance } = setup({ platforms: { arm: ARM64 } });
    const byTag = await resolver.resolve({ reference: 'lab/multiarch:1', site: 'arm' });
    expect([byTag.digest, byTag.indexDigest, byTag.platform]).toEqual([digestOf(2), digestOf(99), ARM64]);
    advance(10 * TTL);
    const byDigest = await resolver.resolve({ reference: `lab/multiarch@${digestOf(2)}`, site: 'arm' });
    const byIndex = await resolver.resolve({ reference: `lab/multiarch@${digestOf(99)}`, site: 'arm' });
    expect([byDigest.pinned, byDigest.cached, byIndex.pinned]).toEqual([`${REG}/lab/multiarch@${digestOf(2)}`, true, `${REG}/lab/multiarch@${digestOf(2)}`]);
    expect(registry.calls).toHaveLength(1);
  });

  it('a digest never seen is asked once, then known', async () => {
    const { resolver, registry } = setup();
    await resolver.resolve({ reference: `lab/busybox@${digestOf(1)}` });
    await resolver.resolve({ reference: `lab/busybox@${digestOf(1)}` });
    expect(registry.calls.map((call) => call.ref.digest)).toEqual([digestOf(1)]);
  });

  it('the platform is the site\'s: each site gets its own answer and its own cache entry', async () => {
    const { resolver, registry, platformCalls } = setup({ platforms: { arm: ARM64 } });
    await resolver.resolve({ reference: 'lab/busybox:1.36', site: 'arm' });
    await resolver.resolve({ reference: 'lab/busybox:1.36', site: 'dev' });
    expect(registry.calls.map((call) => call.platform)).toEqual([ARM64, AMD64]);
    expect(platformCalls).toEqual(['arm', 'dev']);
  });

  it('twenty concurrent resolutions of the same (reference, platform) make one registry request', async () => {
    const { resolver, registry } = setup();
    registry.hold();
    const all = Array.from({ length: 20 }, () => resolver.resolve({ reference: 'lab/busybox:1.36', site: 'dev' }));
    await new Promise((resolve) => setImmediate(resolve));
    registry.open();
    const answers = await Promise.all(all);
    expect(new Set(answers.map((a) => a.pinned)).size).toBe(1);
    expect(registry.calls).toHaveLength(1);
  });

  it('a registry not on the site\'s allow-list is refused naming the registry and the site, before any request (not even the agent\'s)', async () => {
    const { resolver, registry, platformCalls } = setup({ allow: 'ghcr.io,hpc1=127.0.0.1:5001' });
    await expect(resolver.resolve({ reference: 'lab/busybox:1.36', site: 'dev' })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: 'registry 127.0.0.1:5000 is not allowed at site dev; allowed: ghcr.io (CAIRN_REGISTRY_ALLOW)',
    });
    expect([registry.calls.length, platformCalls.length]).toEqual([0, 0]);
  });

  it('a failure is not cached: the next resolution asks again', async () => {
    const { resolver, registry } = setup();
    await expect(resolver.resolve({ reference: 'lab/none:1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    registry.tags.set(`${REG}/lab/none:1`, factsOf(5));
    expect((await resolver.resolve({ reference: 'lab/none:1' })).digest).toBe(digestOf(5));
  });

  it('a site whose agent does not answer is UNAVAILABLE and asks the registry nothing', async () => {
    const { resolver, registry } = setup();
    await expect(resolver.resolve({ reference: 'lab/busybox:1.36', site: 'down' })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('site down') });
    expect(registry.calls).toHaveLength(0);
  });

  it('a malformed reference is INVALID_ARGUMENT before anything else', async () => {
    const { resolver, registry, platformCalls } = setup();
    await expect(resolver.resolve({ reference: 'lab/Busy Box:1' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect([registry.calls.length, platformCalls.length]).toEqual([0, 0]);
  });
});
