/** A place in a text: line and column from 1 (columns count UTF-16 code units, as editors do). */
export interface TextPosition {
  line: number;
  column: number;
}

/** The offset of each line's first character. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(Number.isFinite(n) ? Math.trunc(n) : lo, lo), hi);

/** Line and column of an offset (clamped into the text). */
export function positionAt(starts: readonly number[], textLength: number, offset: number): TextPosition {
  const at = clamp(offset, 0, textLength);
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= at) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: at - (starts[lo] ?? 0) + 1 };
}

/** The offset of a line and column (each clamped into the text: line 99 of 3 is the last line). */
export function offsetAt(starts: readonly number[], textLength: number, line: number, column: number): number {
  const index = clamp(line, 1, starts.length) - 1;
  const start = starts[index] ?? 0;
  const next = starts[index + 1];
  const end = next === undefined ? textLength : next - 1;
  return start + clamp(column, 1, end - start + 1) - 1;
}
