import { CairnError, denied, type Platform, type ResolvedImage, type ResolveImageQuery } from '@cairn/contracts';
import { allowedRegistries, type RegistryAllowList, registryAllowed } from './registry-allow-list';
import { type ImageRef, type ManifestFacts, type ManifestSource, platformKey } from './registry-port';
import type { ResolutionCache } from './resolution-cache';
import { SingleFlight } from './single-flight';
import type { SitePlatforms } from './site-platforms';

/** Parses a reference as researchers write it (parseImageReference); INVALID_ARGUMENT naming the wrong part. */
export type ParseReference = (text: string) => ImageRef;

export interface ImageResolverDeps {
  parse: ParseReference;
  registry: ManifestSource;
  cache: ResolutionCache;
  platforms: Pick<SitePlatforms, 'of'>;
  allow: RegistryAllowList;
  now?: () => number;
}

interface Answer {
  facts: ManifestFacts;
  resolvedAt: Date;
  cached: boolean;
}

/**
 * Reference → pinned digest for a site (ADR 0015): parse, check the site's allow-list
 * (before any network call), take the site's platform, then answer from the tag cache
 * (within its TTL) or the digest facts (kept for good), or ask the registry once however
 * many ask for the same (reference, platform) at once. Each answer says how long it may be
 * reused (`reuseForMs`: what remains of the TTL; a digest's: the whole TTL).
 */
export class ImageResolver {
  private readonly flights = new SingleFlight<Answer>();
  private readonly now: () => number;

  constructor(private readonly deps: ImageResolverDeps) {
    this.now = deps.now ?? Date.now;
  }

  async resolve(query: ResolveImageQuery): Promise<ResolvedImage> {
    const ref = this.deps.parse(query.reference);
    this.checkAllowed(ref.registry, query.site);
    const platform = await this.deps.platforms.of(query.site);
    const answer = ref.digest ? await this.byDigest(ref, ref.digest, platform) : await this.byTag(ref, ref.tag ?? 'latest', platform);
    if (ref.digest && answer.facts.digest !== ref.digest && answer.facts.indexDigest !== ref.digest) {
      throw new CairnError('INVALID_ARGUMENT', `image "${query.reference}" has digest ${answer.facts.digest}, not the one given`);
    }
    // The asker (the scheduler) may reuse the answer for what remains of the tag TTL: a moved tag reaches it no later than here.
    return { ...resolvedImageOf(query.reference, ref, answer), reuseForMs: this.deps.cache.reuseFor(answer.resolvedAt) };
  }

  private checkAllowed(registry: string, site: string | undefined): void {
    if (registryAllowed(this.deps.allow, registry, site)) return;
    const allowed = allowedRegistries(this.deps.allow, site);
    const where = site === undefined ? 'for every site (no site was named)' : `at site ${site}`;
    throw denied(`registry ${registry} is not allowed ${where}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'} (CAIRN_REGISTRY_ALLOW)`);
  }

  private async byTag(ref: ImageRef, tag: string, platform: Platform): Promise<Answer> {
    const key = { registry: ref.registry, repository: ref.repository, tag, platform: platformKey(platform) };
    const known = await this.deps.cache.tag(key);
    if (known) return { ...known, cached: true };
    return this.flights.run(JSON.stringify(['tag', key]), async () => {
      const again = await this.deps.cache.tag(key);
      if (again) return { ...again, cached: true };
      const facts = await this.deps.registry.resolve({ ...ref, tag }, platform);
      const resolvedAt = new Date(this.now());
      await this.deps.cache.rememberTag(key, { facts, resolvedAt });
      await this.rememberFacts(ref, platform, facts);
      return { facts, resolvedAt, cached: false };
    });
  }

  private async byDigest(ref: ImageRef, digest: string, platform: Platform): Promise<Answer> {
    const key = { registry: ref.registry, repository: ref.repository, digest, platform: platformKey(platform) };
    const known = await this.deps.cache.digest(key);
    if (known) return { facts: known, resolvedAt: new Date(this.now()), cached: true };
    return this.flights.run(JSON.stringify(['digest', key]), async () => {
      const facts = await this.deps.registry.resolve(ref, platform);
      // Recorded under its manifest's digest and its index's: one of them is `digest`, or resolve() refuses it.
      await this.rememberFacts(ref, platform, facts);
      return { facts, resolvedAt: new Date(this.now()), cached: false };
    });
  }

  /** A manifest's facts under its digest, and under its index's for this platform. */
  private async rememberFacts(ref: ImageRef, platform: Platform, facts: ManifestFacts): Promise<void> {
    const base = { registry: ref.registry, repository: ref.repository, platform: platformKey(platform) };
    await this.deps.cache.rememberDigest({ ...base, digest: facts.digest }, facts);
    if (facts.indexDigest) await this.deps.cache.rememberDigest({ ...base, digest: facts.indexDigest }, facts);
  }
}

/** The answer in the contract's shape (resolvedImageSchema). */
export function resolvedImageOf(reference: string, ref: ImageRef, answer: Answer): ResolvedImage {
  const { facts } = answer;
  return {
    reference,
    pinned: `${ref.registry}/${ref.repository}@${facts.digest}`,
    digest: facts.digest,
    canonical: ref.canonical,
    ...(facts.indexDigest ? { indexDigest: facts.indexDigest } : {}),
    platform: facts.platform,
    ...(facts.mediaType ? { mediaType: facts.mediaType } : {}),
    size: facts.size,
    resolvedAt: answer.resolvedAt.toISOString(),
    cached: answer.cached,
  };
}
