import { excerpt } from '@cairn/contracts';

/**
 * `${{ ... }}` references inside commands, env values, inputs and array sources. Only a
 * fixed set of forms exists; nothing is evaluated as code.
 */
export type Reference =
  | { kind: 'item'; field?: string }
  | { kind: 'output'; step: string; output: string }
  | { kind: 'loop'; field: 'iteration' }
  | { kind: 'param'; name: string };

/** One `${{ ... }}` in a value: where it starts and ends, and its text without the spaces around it. */
export interface TemplateSpan {
  start: number;
  /** Just after the closing "}}". */
  end: number;
  text: string;
}

/**
 * Every `${{ ... }}` in a value, left to right: each runs from "${{" to the first "}}" after
 * it. A scan in time linear in the value (a regular expression with `\s*(.*?)\s*` took
 * seconds on "${{" followed by thousands of spaces).
 */
export function templateSpans(value: string): TemplateSpan[] {
  const spans: TemplateSpan[] = [];
  for (let from = 0; ; ) {
    const start = value.indexOf('${{', from);
    if (start < 0) return spans;
    const close = value.indexOf('}}', start + 3);
    if (close < 0) return spans;
    spans.push({ start, end: close + 2, text: value.slice(start + 3, close).trim() });
    from = close + 2;
  }
}

/** The value with each `${{ ... }}` replaced by what `render` makes of its text. */
export function replaceTemplates(value: string, render: (text: string) => string): string {
  let out = '';
  let at = 0;
  for (const span of templateSpans(value)) {
    out += value.slice(at, span.start) + render(span.text);
    at = span.end;
  }
  return out + value.slice(at);
}

export interface ParsedReference {
  text: string;
  reference?: Reference;
  error?: string;
}

export function findReferences(value: string): ParsedReference[] {
  const found: ParsedReference[] = [];
  for (const { text } of templateSpans(value)) {
    const reference = parseReference(text);
    found.push(reference ? { text, reference } : { text, error: `unknown reference ${excerpt(`\${{ ${text} }}`)} (use item, steps.<step>.outputs.<name>, loop.iteration or params.<name>)` });
  }
  if (found.length === 0 && value.includes('${{')) found.push({ text: value, error: 'an unclosed "${{"' });
  return found;
}

export function parseReference(text: string): Reference | undefined {
  if (text === 'item') return { kind: 'item' };
  let m = /^item\.([a-z_][a-z0-9_]*)$/i.exec(text);
  if (m?.[1]) return { kind: 'item', field: m[1] };
  m = /^steps\.([a-z][a-z0-9_-]*)\.outputs\.([a-z][a-z0-9_]*)$/.exec(text);
  if (m?.[1] && m[2]) return { kind: 'output', step: m[1], output: m[2] };
  if (text === 'loop.iteration') return { kind: 'loop', field: 'iteration' };
  m = /^params\.([a-z][a-z0-9_]*)$/.exec(text);
  if (m?.[1]) return { kind: 'param', name: m[1] };
  return undefined;
}
