/** What the job page shows of a job's spec and output, as plain functions. */

/** The command as one line a person reads (arguments with spaces or quotes are quoted; nothing is run). */
export function commandText(argv: readonly string[]): string {
  return argv.map((a) => (a === '' || /[\s"'\\$`]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** An item array in a sentence: "12 items, 4 per element (3 Slurm array elements), at most 2 at once". */
export function arraySummary(array: { readonly items: readonly string[]; readonly itemsPerElement: number; readonly throttle: number } | undefined): string | undefined {
  if (array === undefined || array.items.length === 0) return undefined;
  const per = Math.max(1, array.itemsPerElement);
  const elements = Math.ceil(array.items.length / per);
  const parts = [
    `${array.items.length} ${array.items.length === 1 ? 'item' : 'items'}`,
    `${per} per element (${elements} Slurm array ${elements === 1 ? 'element' : 'elements'})`,
  ];
  if (array.throttle > 0) parts.push(`at most ${array.throttle} at once`);
  return parts.join(', ');
}

/** Output bytes as text (invalid UTF-8, e.g. a character cut by truncation, becomes U+FFFD). */
export function outputText(data: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(data);
}

/** Output sizes a person may ask for: 64 KiB, doubling up to the API's 1 MiB. */
export const OUTPUT_FIRST_BYTES = 65_536;
export const OUTPUT_MAX_BYTES = 1_048_576;

export function moreOutputBytes(current: number): number {
  return Math.min(OUTPUT_MAX_BYTES, current * 2);
}

/** Whether a scrolled box is at its end (within a line), so new output keeps it there. */
export function isAtEnd(scrollTop: number, clientHeight: number, scrollHeight: number): boolean {
  return scrollHeight - (scrollTop + clientHeight) < 24;
}

/** "64 KiB", "1 MiB". */
export function formatBytes(n: number): string {
  if (n >= 1_048_576) return `${+(n / 1_048_576).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
