/**
 * How many of `rows` (in order) a reply can carry within `maxBytes` of JSON: at least
 * one, so a listing always moves on; the caller pages on from the last row it kept.
 */
export function rowsWithin<T>(rows: readonly T[], maxBytes: number, toJson: (row: T) => unknown = (row) => row): number {
  let bytes = 0;
  for (const [i, row] of rows.entries()) {
    // +1 for the comma between rows of a JSON array.
    bytes += Buffer.byteLength(JSON.stringify(toJson(row))) + 1;
    if (bytes > maxBytes) return Math.max(1, i);
  }
  return rows.length;
}

/** Bytes of a value as JSON. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value));

/**
 * One page of a listing: up to `pageSize` rows whose JSON (`sizeOf`) fits `maxBytes`. A row
 * too large for any reply on its own (a record stored before the limits) is left out, so it
 * never stops the listing: `consumed` counts it, and the next page starts after it.
 */
export function pageWithin<T>(rows: readonly T[], pageSize: number, maxBytes: number, sizeOf: (row: T) => number): { page: T[]; consumed: number; skipped: number } {
  const page: T[] = [];
  let bytes = 0;
  let consumed = 0;
  let skipped = 0;
  for (const row of rows) {
    if (consumed >= pageSize) break;
    // +1 for the comma between rows of a JSON array.
    const size = sizeOf(row) + 1;
    if (size > maxBytes) {
      consumed += 1;
      skipped += 1;
      continue;
    }
    if (bytes + size > maxBytes) break;
    bytes += size;
    page.push(row);
    consumed += 1;
  }
  return { page, consumed, skipped };
}
