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
