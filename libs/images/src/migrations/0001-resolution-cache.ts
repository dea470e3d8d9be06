import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/**
 * The resolution caches (ADR 0015): each tag's last answer per platform (reused within the
 * tag TTL) and the facts of each digest per platform (kept for good: a digest never changes).
 */
export const m0001ResolutionCache: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`CREATE TABLE image_tags (
      registry TEXT NOT NULL,
      repository TEXT NOT NULL,
      tag TEXT NOT NULL,
      platform TEXT NOT NULL,
      digest TEXT NOT NULL,
      facts JSONB NOT NULL,
      resolved_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (registry, repository, tag, platform)
    )`.execute(db);
    await sql`CREATE TABLE image_digests (
      registry TEXT NOT NULL,
      repository TEXT NOT NULL,
      digest TEXT NOT NULL,
      platform TEXT NOT NULL,
      facts JSONB NOT NULL,
      recorded_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (registry, repository, digest, platform)
    )`.execute(db);
  },
};
