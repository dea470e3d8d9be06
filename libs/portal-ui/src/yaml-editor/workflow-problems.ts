import { type Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { schemaViolations, type SchemaViolation } from './workflow-schema';
import { lineStarts, positionAt } from './text-positions';

/** One problem in the editor's text, located: offsets for CodeMirror, line and column for people. */
export interface EditorProblem {
  from: number;
  to: number;
  line: number;
  column: number;
  message: string;
  /** Who found it: the YAML parser, the JSON Schema, or the server's check. */
  source: 'yaml' | 'schema' | 'server';
}

/** The editor lists at most this many problems (the rest are counted in the last one). */
export const MAX_EDITOR_PROBLEMS = 50;
/** Aliases expanded when the text is turned into a value (a "billion laughs" stops here). */
const MAX_ALIAS_COUNT = 100;

/** "Line 3, column 7: steps.train.resources.cpus: must be at most 256" */
export function formatProblem(p: Pick<EditorProblem, 'line' | 'column' | 'message'>): string {
  return `Line ${p.line}, column ${p.column}: ${p.message}`;
}

type Range = readonly [number, number];

/** Builds located problems over one text. */
export class ProblemLocator {
  private readonly starts: number[];
  constructor(readonly text: string) {
    this.starts = lineStarts(text);
  }
  at(range: Range, message: string, source: EditorProblem['source']): EditorProblem {
    const max = this.text.length;
    const from = Math.min(Math.max(0, range[0]), max);
    const to = Math.min(Math.max(from, range[1]), max);
    const { line, column } = positionAt(this.starts, max, from);
    return { from, to, line, column, message, source };
  }
  /** The first line's extent, for problems of the whole file. */
  firstLine(): Range {
    const end = this.text.indexOf('\n');
    return [0, end === -1 ? this.text.length : end];
  }
}

/**
 * Every problem the browser can find in a workflow file as it is typed: YAML syntax first
 * (then the schema is not checked: the value is not known), else each JSON Schema violation
 * at the line and column of the value (or key) it is about. Never throws, whatever the text.
 */
export function workflowProblems(text: string): EditorProblem[] {
  const locate = new ProblemLocator(text);
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, strict: true, logLevel: 'silent' });
    if (doc.errors.length > 0) {
      return cap(
        doc.errors.map((e) => locate.at(e.pos, `not valid YAML: ${firstLine(e.message)}`, 'yaml')),
        locate,
      );
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      return [locate.at(locate.firstLine(), `not valid YAML: ${error instanceof Error ? firstLine(error.message) : 'cannot be read'}`, 'yaml')];
    }
    return cap(describeViolations(schemaViolations(value)).map((v) => locate.at(rangeOf(doc, v), v.text, 'schema')), locate);
  } catch (error) {
    // Nesting deep enough to exhaust the stack, and anything else the parser did not expect.
    return [locate.at(locate.firstLine(), error instanceof RangeError ? 'nested too deeply' : 'cannot be checked', 'yaml')];
  }
}

function cap(problems: EditorProblem[], locate: ProblemLocator): EditorProblem[] {
  const sorted = [...problems].sort((a, b) => a.from - b.from || a.to - b.to);
  if (sorted.length <= MAX_EDITOR_PROBLEMS) return sorted;
  const last = sorted[MAX_EDITOR_PROBLEMS - 1] as EditorProblem;
  const more = sorted.length - MAX_EDITOR_PROBLEMS + 1;
  return [...sorted.slice(0, MAX_EDITOR_PROBLEMS - 1), locate.at([last.from, last.to], `and ${more} more problems`, last.source)];
}

const firstLine = (message: string) => message.split('\n')[0] ?? message;

/** A violation with the path to its value and the words for it. */
export interface DescribedViolation {
  path: string[];
  /** For a key's own problem (unknown or malformed key): the key. */
  key?: string;
  text: string;
}

/** "/steps/a~1b/0" → ["steps", "a/b", "0"] */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** steps.train.command[0], as the server writes fields. */
export function fieldName(path: readonly string[]): string {
  return path.reduce((acc, key) => (/^\d+$/.test(key) ? `${acc}[${key}]` : /^[A-Za-z0-9_-]{1,64}$/.test(key) ? (acc ? `${acc}.${key}` : key) : `${acc}[${JSON.stringify(key.slice(0, 40))}]`), '');
}

const quote = (v: unknown) => JSON.stringify(typeof v === 'string' ? v.slice(0, 64) : v);

function words(v: SchemaViolation): string {
  const p = v.params;
  switch (v.keyword) {
    case 'required':
      return `missing field ${quote(p['missingProperty'])}`;
    case 'additionalProperties':
      return `unknown field ${quote(p['additionalProperty'])}`;
    case 'type':
      return `must be ${String(p['type']).split(',').map((t) => (t === 'integer' ? 'a whole number' : t === 'object' ? 'a map' : t === 'array' ? 'a list' : `a ${t}`)).join(' or ')}`;
    case 'const':
      return `must be ${quote(p['allowedValue'])}`;
    case 'enum':
      return `must be one of ${Array.isArray(p['allowedValues']) ? p['allowedValues'].map(quote).join(', ') : 'the allowed values'}`;
    case 'pattern': {
      const pattern = String(p['pattern']);
      return pattern.length <= 48 ? `is not in the expected form (${pattern})` : 'is not in the expected form';
    }
    case 'maximum':
      return `must be at most ${String(p['limit'])}`;
    case 'minimum':
      return `must be at least ${String(p['limit'])}`;
    case 'maxLength':
      return `must be at most ${String(p['limit'])} characters long`;
    case 'minLength':
      return Number(p['limit']) === 1 ? 'must not be empty' : `must be at least ${String(p['limit'])} characters long`;
    case 'maxItems':
      return `must have at most ${String(p['limit'])} entries`;
    case 'minItems':
      return `must have at least ${String(p['limit'])} entr${Number(p['limit']) === 1 ? 'y' : 'ies'}`;
    case 'maxProperties':
      return `must have at most ${String(p['limit'])} entries`;
    case 'minProperties':
      return `must have at least ${String(p['limit'])} entr${Number(p['limit']) === 1 ? 'y' : 'ies'}`;
    default:
      return v.message ?? `breaks the schema's ${v.keyword} rule`;
  }
}

/**
 * Turns ajv's violations into one message each. An `anyOf` (a duration is a number or a
 * string) reports each branch's failure too: they are folded into the anyOf's message.
 * A key's own problems (propertyNames) are reported once, at the key.
 */
export function describeViolations(violations: readonly SchemaViolation[]): DescribedViolation[] {
  const anyOf = violations.filter((v) => v.keyword === 'anyOf');
  const out: DescribedViolation[] = [];
  const seen = new Set<string>();
  const push = (d: DescribedViolation) => {
    const id = `${d.path.join('\u0000')}\u0001${d.key ?? ''}\u0001${d.text}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push(d);
  };
  for (const v of violations) {
    if (v.keyword === 'propertyNames') continue;
    const path = pointerSegments(v.instancePath);
    const field = fieldName(path);
    const within = anyOf.find((a) => a !== v && a.instancePath === v.instancePath && v.schemaPath.startsWith(`${a.schemaPath}/`));
    if (within) continue;
    if (v.keyword === 'anyOf') {
      const branches = violations.filter((b) => b !== v && b.instancePath === v.instancePath && b.schemaPath.startsWith(`${v.schemaPath}/`));
      const text = [...new Set(branches.map(words))].join(', or ') || 'is not any of the allowed forms';
      push({ path, text: `${field ? `${field}: ` : ''}${text}` });
      continue;
    }
    const name = v.propertyName;
    if (name !== undefined) {
      push({ path, key: name, text: `${fieldName([...path, name])}: the name ${words(v)}` });
      continue;
    }
    if (v.keyword === 'additionalProperties' && typeof v.params['additionalProperty'] === 'string') {
      push({ path, key: v.params['additionalProperty'], text: `${field ? `${field}: ` : ''}${words(v)}` });
      continue;
    }
    push({ path, text: `${field ? `${field}: ` : ''}${words(v)}` });
  }
  return out;
}

/**
 * Where a violation is in the file: its key for a key's problem; the key that holds a map or
 * list (not the whole block); the scalar itself; the deepest part of the path that exists.
 */
export function rangeOf(doc: Document, v: DescribedViolation): Range {
  let node: unknown = doc.contents;
  let holder: Range | undefined;
  for (const segment of v.path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyText(item.key) === segment);
      if (!pair) break;
      holder = rangeOfNode(pair.key) ?? holder;
      node = pair.value;
      if (node === null || node === undefined) return holder ?? [0, 0];
    } else if (isSeq(node)) {
      const item: unknown = node.items[Number(segment)];
      if (item === undefined) break;
      node = item;
      const range = rangeOfNode(item);
      if (range) holder = isScalar(item) ? range : [range[0], range[0]];
    } else break;
  }
  if (isAlias(node)) node = node.resolve(doc);
  if (v.key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isPair(item) && keyText(item.key) === v.key);
    const key = pair ? rangeOfNode(pair.key) : undefined;
    if (key) return key;
  }
  if (isScalar(node)) return rangeOfNode(node) ?? holder ?? [0, 0];
  if (holder) return holder;
  const whole = rangeOfNode(node);
  return whole ? [whole[0], whole[0]] : [0, 0];
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (key === null || key === undefined) return '';
  return undefined;
}

function rangeOfNode(node: unknown): Range | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = node.range;
  if (!Array.isArray(range) || typeof range[0] !== 'number' || typeof range[1] !== 'number') return undefined;
  return [range[0], range[1]];
}
