import { CairnError } from './errors';
import { excerpt } from './validation';

/**
 * One segment of a glob (no "/"): `*` matches any run of characters, `?` exactly one,
 * `[abc]`, `[a-z]` and `[!abc]` one character of (or not of) a class; everything else is
 * literal. In a class the first character (after "!") is literal even if it is "]", and "-"
 * is literal first or last. Characters are Unicode code points.
 *
 * Matching simulates the pattern as a set of positions, one pass over the name: at most
 * (name length + 1) × (pattern length + 1) steps, with no backtracking, whatever the pattern.
 */
export type GlobToken =
  | { kind: 'star' }
  | { kind: 'one' }
  | { kind: 'literal'; code: number }
  | { kind: 'class'; negate: boolean; ranges: [number, number][] };

/** Parses a segment; a malformed one ("[" unclosed, "[z-a]") is INVALID_ARGUMENT. */
export function parseGlobSegment(segment: string): GlobToken[] {
  const chars = Array.from(segment);
  const tokens: GlobToken[] = [];
  for (let i = 0; i < chars.length; i += 1) {
    const ch = chars[i] as string;
    if (ch === '/') throw new CairnError('INVALID_ARGUMENT', `glob segment ${excerpt(segment)} contains "/"`);
    if (ch === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (ch === '?') tokens.push({ kind: 'one' });
    else if (ch === '[') {
      let j = i + 1;
      const negate = chars[j] === '!';
      if (negate) j += 1;
      const start = j;
      const ranges: [number, number][] = [];
      for (; j < chars.length && (j === start || chars[j] !== ']'); j += 1) {
        const lo = (chars[j] as string).codePointAt(0) ?? 0;
        if (chars[j + 1] === '-' && j + 2 < chars.length && chars[j + 2] !== ']') {
          const hi = (chars[j + 2] as string).codePointAt(0) ?? 0;
          if (hi < lo) throw new CairnError('INVALID_ARGUMENT', `glob segment ${excerpt(segment)} has the empty range ${excerpt(`${chars[j]}-${chars[j + 2]}`)}`);
          ranges.push([lo, hi]);
          j += 2;
        } else ranges.push([lo, lo]);
      }
      if (j >= chars.length) throw new CairnError('INVALID_ARGUMENT', `unclosed "[" in glob segment ${excerpt(segment)}`);
      tokens.push({ kind: 'class', negate, ranges });
      i = j;
    } else tokens.push({ kind: 'literal', code: ch.codePointAt(0) ?? 0 });
  }
  return tokens;
}

export const isGlobPattern = (segment: string): boolean => /[*?[]/.test(segment);

/** Counts the matcher's steps (for tests that prove it linear). */
export interface StepCounter {
  steps: number;
}

/** A matcher for one segment: parse once, match many names. */
export function globSegmentMatcher(segment: string): (name: string, counter?: StepCounter) => boolean {
  const tokens = parseGlobSegment(segment);
  return (name, counter) => matchTokens(tokens, name, counter);
}

function accepts(token: GlobToken, code: number): boolean {
  switch (token.kind) {
    case 'star':
    case 'one':
      return true;
    case 'literal':
      return token.code === code;
    case 'class':
      return token.ranges.some(([lo, hi]) => code >= lo && code <= hi) !== token.negate;
  }
}

export function matchTokens(tokens: readonly GlobToken[], name: string, counter?: StepCounter): boolean {
  const m = tokens.length;
  let active = new Uint8Array(m + 1);
  let next = new Uint8Array(m + 1);
  const close = (set: Uint8Array) => {
    // A star matches nothing too: its position also stands at the next token.
    for (let i = 0; i < m; i += 1) if (set[i] && tokens[i]?.kind === 'star') set[i + 1] = 1;
  };
  active[0] = 1;
  close(active);
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    next.fill(0);
    let any = false;
    for (let i = 0; i < m; i += 1) {
      if (!active[i]) continue;
      if (counter) counter.steps += 1;
      const token = tokens[i] as GlobToken;
      if (token.kind === 'star') {
        next[i] = 1;
        any = true;
      } else if (accepts(token, code)) {
        next[i + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    [active, next] = [next, active];
  }
  return active[m] === 1;
}
