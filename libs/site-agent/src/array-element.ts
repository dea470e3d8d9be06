import type { AttemptArray } from '@cairn/contracts';
import { z } from 'zod';
import { loadWrapper } from './job-environment';
import { exitCodeSchema } from './exit-record';
import { recordedDigestsSchema } from './hashed-files';

/**
 * Array elements: the items an element runs, written as one NUL-separated file per
 * element (`elements/<k>`: for each item its index, its argument count, then its
 * arguments), read by the array wrapper (cairn-wrap-array.sh), which records one JSON line
 * per item in `items-<k>.jsonl`. Packing many items per element keeps Slurm jobs few; the
 * per-item records let only failed items be retried.
 */
export interface ElementItem {
  index: number;
  argv: readonly string[];
}

/**
 * The index of each item, in order: what its record, the items query, failure reasons and
 * CAIRN_ITEM_INDEX call it. A workflow running a subset of a step (a retry of the failed
 * items, one chunk of a large step) gives each item's index in the step; otherwise an
 * item's index is its position.
 */
export function itemIndices(array: Pick<AttemptArray, 'items' | 'indices'>): number[] {
  return array.indices ? [...array.indices] : array.items.map((_item, position) => position);
}

/** Indices must name items one for one: as many as items, each a distinct whole number. */
export function checkItemIndices(array: Pick<AttemptArray, 'items' | 'indices'>): void {
  if (!array.indices) return;
  if (array.indices.length !== array.items.length) {
    throw new Error(`${array.indices.length} indices for ${array.items.length} items`);
  }
  const seen = new Set<number>();
  for (const index of array.indices) {
    if (!Number.isSafeInteger(index) || index < 0) throw new Error(`invalid item index ${index}`);
    if (seen.has(index)) throw new Error(`item index ${index} appears more than once`);
    seen.add(index);
  }
}

export const ARRAY_WRAPPER_SCRIPT = loadWrapper('cairn-wrap-array.sh');

export function encodeElement(items: readonly ElementItem[]): Buffer {
  const fields: string[] = [];
  for (const item of items) {
    if (!Number.isInteger(item.index) || item.index < 0) throw new Error(`invalid item index ${item.index}`);
    if (item.argv.length === 0) throw new Error(`item ${item.index} has no command`);
    for (const arg of item.argv) if (arg.includes('\u0000')) throw new Error('an argument cannot contain a NUL byte');
    fields.push(String(item.index), String(item.argv.length), ...item.argv);
  }
  return Buffer.from(fields.map((f) => `${f}\u0000`).join(''), 'utf8');
}

/** One line of items-<k>.jsonl. The job can write that file, so every field is bounded. */
export const itemRecordSchema = z.object({
  item: z.number().int().min(0).max(10_000_000),
  exitCode: exitCodeSchema,
  startedAt: z.string().max(64),
  endedAt: z.string().max(64),
  host: z.string().max(255),
  /** The item's declared outputs hashed in its directory, by position (hashed-files.ts). */
  outputs: recordedDigestsSchema.optional(),
});
/**
 * An element's records: one line per item run (retries append), at most about 8.2 KiB with
 * 64 output digests, a few hundred bytes with a few. An element runs at most 10,000 items
 * (JOB_LIMITS.maxItems): 192 MiB holds every item at its largest run twice; more is not
 * the wrapper's.
 */
export const ITEM_RECORDS_MAX_BYTES = 192 * 1024 * 1024;
export type ItemRecord = z.infer<typeof itemRecordSchema>;

/**
 * Reads an element's item records; the last record of an item wins (retries append). A
 * line that does not parse (cut short when the element was killed, or written by the job
 * itself) is skipped: its item then counts as not run.
 */
export function parseItemRecords(text: string): Map<number, ItemRecord> {
  const records = new Map<number, ItemRecord>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // a line cut short when the element was killed
    }
    const parsed = itemRecordSchema.safeParse(value);
    if (parsed.success) records.set(parsed.data.item, parsed.data);
  }
  return records;
}
