import { MAX_ROWS_REPLY_BYTES } from '@cairn/contracts';
import type { z } from 'zod';
import type { itemResultSchema } from '@cairn/contracts';
import type { ItemRecord } from './array-element';
import { runFactsOf } from './hashed-files';

export type ItemResult = z.infer<typeof itemResultSchema>;

/** Room left in a reply for its envelope (attempt id, `more`, the JSON around the items). */
const ENVELOPE_BYTES = 1024;

/**
 * The items query's answer from an attempt's item records (in index order). Without
 * `facts`, every item's exit code and duration, as before. With `facts`, also each item's
 * `run` (host, times, its declared outputs hashed, paths "<index>/<declared path>"
 * relative to the step's directory), paged: from `offset`, as many items as fit in
 * `maxBytes` of JSON (at least one), `more` when others follow.
 */
export function itemResults(
  records: readonly ItemRecord[],
  query: { facts?: boolean; offset?: number },
  outputs: readonly string[] | undefined,
  maxBytes = MAX_ROWS_REPLY_BYTES,
): { items: ItemResult[]; more?: boolean } {
  const base = (r: ItemRecord): ItemResult => ({ item: r.item, exitCode: r.exitCode, ...itemSeconds(r.startedAt, r.endedAt) });
  if (!query.facts) return { items: records.map(base) };
  const items: ItemResult[] = [];
  let bytes = ENVELOPE_BYTES;
  const offset = query.offset ?? 0;
  for (let k = offset; k < records.length; k += 1) {
    const record = records[k] as ItemRecord;
    const result: ItemResult = { ...base(record), run: runFactsOf(record, { outputs, prefix: `${record.item}/` }) };
    const size = Buffer.byteLength(JSON.stringify(result)) + 1;
    if (items.length > 0 && bytes + size > maxBytes) return { items, more: true };
    items.push(result);
    bytes += size;
  }
  return { items };
}

/** How long an item ran, from its record's times (left out when they do not parse). */
function itemSeconds(startedAt: string, endedAt: string): { seconds?: number } {
  const seconds = (Date.parse(endedAt) - Date.parse(startedAt)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? { seconds } : {};
}
