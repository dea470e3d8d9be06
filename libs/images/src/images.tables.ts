import type { ColumnType } from '@cairn/adapters/postgres';
import type { ManifestFacts } from './registry-port';

type Json<T> = ColumnType<T, string, string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** The schema the images service owns (ADR 0015). */
export const IMAGES_SCHEMA = 'images';

/** A tag's last answer for one platform ("linux/amd64"); reused while younger than the tag TTL. */
export interface ImageTagsTable {
  registry: string;
  repository: string;
  tag: string;
  platform: string;
  digest: string;
  facts: Json<ManifestFacts>;
  resolved_at: Timestamp;
}

/** The facts of a digest (a manifest's, or an index's for one platform), kept for good. */
export interface ImageDigestsTable {
  registry: string;
  repository: string;
  digest: string;
  platform: string;
  facts: Json<ManifestFacts>;
  recorded_at: Timestamp;
}

export interface ImagesDb {
  image_tags: ImageTagsTable;
  image_digests: ImageDigestsTable;
}
