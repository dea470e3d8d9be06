/**
 * `${{ ... }}` references inside commands, env values, inputs and array sources. Only a
 * fixed set of forms exists; nothing is evaluated as code.
 */
export type Reference =
  | { kind: 'item'; field?: string }
  | { kind: 'output'; step: string; output: string }
  | { kind: 'loop'; field: 'iteration' }
  | { kind: 'param'; name: string };

const TEMPLATE = /\$\{\{\s*(.*?)\s*\}\}/g;

export interface ParsedReference {
  text: string;
  reference?: Reference;
  error?: string;
}

export function findReferences(value: string): ParsedReference[] {
  const found: ParsedReference[] = [];
  for (const match of value.matchAll(TEMPLATE)) {
    const text = match[1] ?? '';
    const reference = parseReference(text);
    found.push(reference ? { text, reference } : { text, error: `unknown reference "\${{ ${text} }}" (use item, item.<field>, steps.<step>.outputs.<name>, loop.iteration or params.<name>)` });
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
