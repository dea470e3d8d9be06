import type { SiteImageRecord } from '@cairn/contracts';

/** What the eviction policy needs of one image a site holds. */
export type QuotaImage = Pick<SiteImageRecord, 'digest' | 'size' | 'lastUsed' | 'inUse' | 'runIds'>;

/**
 * The images to evict so that `usedBytes` comes under `quotaBytes`: least recently used
 * first, never one the agent says is in use, one a live run used, or one in `keep` (the
 * image just materialised). It may not reach the quota (then everything evictable goes).
 */
export function chooseEvictions<T extends QuotaImage>(images: readonly T[], usedBytes: number, quotaBytes: number, liveRunIds: ReadonlySet<string>, keep: ReadonlySet<string> = new Set()): T[] {
  if (usedBytes <= quotaBytes) return [];
  const evictable = images
    .filter((image) => !image.inUse && !keep.has(image.digest) && !image.runIds.some((runId) => liveRunIds.has(runId)))
    .sort((a, b) => Date.parse(a.lastUsed) - Date.parse(b.lastUsed) || (a.digest < b.digest ? -1 : 1));
  const chosen: T[] = [];
  let used = usedBytes;
  for (const image of evictable) {
    if (used <= quotaBytes) break;
    chosen.push(image);
    used -= image.size;
  }
  return chosen;
}
