import type { Kysely } from '@cairn/adapters/postgres';
import type { ImagesDb } from './images.tables';
import type { ManifestFacts } from './registry-port';

/** A tag at a registry, for one platform key ("linux/amd64"). */
export interface TagKey {
  registry: string;
  repository: string;
  tag: string;
  platform: string;
}
/** A digest at a registry, for one platform key (an index's answer depends on it). */
export interface DigestKey {
  registry: string;
  repository: string;
  digest: string;
  platform: string;
}
export interface TagAnswer {
  facts: ManifestFacts;
  resolvedAt: Date;
}

/** Where the resolution caches last (schema `images`), so a restarted service still has them. */
export interface ResolutionStore {
  getTag(key: TagKey): Promise<TagAnswer | undefined>;
  putTag(key: TagKey, answer: TagAnswer): Promise<void>;
  getDigest(key: DigestKey): Promise<ManifestFacts | undefined>;
  /** Digest facts never change: the first record stays. */
  putDigest(key: DigestKey, facts: ManifestFacts, at: Date): Promise<void>;
}

/** The caches in PostgreSQL (or PGlite). */
export class PgResolutionStore implements ResolutionStore {
  constructor(private readonly db: Kysely<ImagesDb>) {}

  async getTag(key: TagKey): Promise<TagAnswer | undefined> {
    const row = await this.db
      .selectFrom('image_tags')
      .select(['facts', 'resolved_at'])
      .where('registry', '=', key.registry)
      .where('repository', '=', key.repository)
      .where('tag', '=', key.tag)
      .where('platform', '=', key.platform)
      .executeTakeFirst();
    return row ? { facts: row.facts, resolvedAt: new Date(row.resolved_at) } : undefined;
  }

  async putTag(key: TagKey, answer: TagAnswer): Promise<void> {
    const facts = JSON.stringify(answer.facts);
    await this.db
      .insertInto('image_tags')
      .values({ ...key, digest: answer.facts.digest, facts, resolved_at: answer.resolvedAt })
      .onConflict((oc) => oc.columns(['registry', 'repository', 'tag', 'platform']).doUpdateSet({ digest: answer.facts.digest, facts, resolved_at: answer.resolvedAt }))
      .execute();
  }

  async getDigest(key: DigestKey): Promise<ManifestFacts | undefined> {
    const row = await this.db
      .selectFrom('image_digests')
      .select('facts')
      .where('registry', '=', key.registry)
      .where('repository', '=', key.repository)
      .where('digest', '=', key.digest)
      .where('platform', '=', key.platform)
      .executeTakeFirst();
    return row?.facts;
  }

  async putDigest(key: DigestKey, facts: ManifestFacts, at: Date): Promise<void> {
    await this.db
      .insertInto('image_digests')
      .values({ ...key, facts: JSON.stringify(facts), recorded_at: at })
      .onConflict((oc) => oc.columns(['registry', 'repository', 'digest', 'platform']).doNothing())
      .execute();
  }
}
