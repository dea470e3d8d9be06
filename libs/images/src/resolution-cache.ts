import type { Logger } from '@cairn/logging';
import type { ManifestFacts } from './registry-port';
import type { DigestKey, ResolutionStore, TagAnswer, TagKey } from './resolution-store';

/** Most entries each in-memory map keeps (the oldest inserted go first; the store keeps all). */
export const MAX_MEMORY_ENTRIES = 10_000;

const tagId = (k: TagKey) => JSON.stringify([k.registry, k.repository, k.tag, k.platform]);
const digestId = (k: DigestKey) => JSON.stringify([k.registry, k.repository, k.digest, k.platform]);

/**
 * The tag → digest cache (an answer is reused while younger than the TTL) and the digest
 * facts (kept for good), in memory in front of the store. The store failing never fails a
 * resolution: a read is a miss, a write is logged.
 */
export class ResolutionCache {
  private readonly tags = new Map<string, TagAnswer>();
  private readonly digests = new Map<string, ManifestFacts>();

  constructor(
    private readonly store: ResolutionStore,
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_MEMORY_ENTRIES,
  ) {}

  /** Whether an answer looked up at `resolvedAt` may still be used. */
  fresh(resolvedAt: Date): boolean {
    const age = this.now() - resolvedAt.getTime();
    return age >= 0 && age < this.ttlMs;
  }

  /** How much longer (ms) an answer looked up at `resolvedAt` may be reused (0: not at all). */
  reuseFor(resolvedAt: Date): number {
    return this.fresh(resolvedAt) ? Math.max(0, Math.floor(this.ttlMs - (this.now() - resolvedAt.getTime()))) : 0;
  }

  /** The tag's answer, if one younger than the TTL is known. */
  async tag(key: TagKey): Promise<TagAnswer | undefined> {
    const id = tagId(key);
    const inMemory = this.tags.get(id);
    if (inMemory && this.fresh(inMemory.resolvedAt)) return inMemory;
    if (inMemory) this.tags.delete(id);
    const stored = await this.quietly('read a tag', () => this.store.getTag(key));
    if (!stored || !this.fresh(stored.resolvedAt)) return undefined;
    this.keep(this.tags, id, stored);
    return stored;
  }

  async rememberTag(key: TagKey, answer: TagAnswer): Promise<void> {
    this.keep(this.tags, tagId(key), answer);
    await this.quietly('record a tag', () => this.store.putTag(key, answer));
  }

  /** The digest's facts, if it was ever resolved. */
  async digest(key: DigestKey): Promise<ManifestFacts | undefined> {
    const id = digestId(key);
    const inMemory = this.digests.get(id);
    if (inMemory) return inMemory;
    const stored = await this.quietly('read a digest', () => this.store.getDigest(key));
    if (stored) this.keep(this.digests, id, stored);
    return stored;
  }

  async rememberDigest(key: DigestKey, facts: ManifestFacts): Promise<void> {
    const id = digestId(key);
    if (this.digests.has(id)) return;
    this.keep(this.digests, id, facts);
    await this.quietly('record a digest', () => this.store.putDigest(key, facts, new Date(this.now())));
  }

  private keep<V>(map: Map<string, V>, id: string, value: V): void {
    map.delete(id);
    map.set(id, value);
    while (map.size > this.maxEntries) {
      const oldest = map.keys().next();
      if (oldest.done) break;
      map.delete(oldest.value);
    }
  }

  private async quietly<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.logger.error({ err: error instanceof Error ? error.message : String(error) }, `resolution cache could not ${what}; resolving goes on`);
      return undefined;
    }
  }
}
