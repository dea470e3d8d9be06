import { z } from 'zod';
import { imageReferenceProblem, MAX_IMAGE_REFERENCE_CHARS } from './image-reference';

/**
 * The one rule for free text at every boundary (gRPC, NATS, workflow files): no C0 control
 * character but tab, no DEL, no C1 control (U+0080–U+009F), and no unpaired UTF-16
 * surrogate (it has no UTF-8 form; PostgreSQL refuses it). A field that allows more (a
 * workflow file's source: newlines) says so and checks the rest with `describeControl`.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');
const CONTROL_NAMES: Record<string, string> = { '\n': 'a newline', '\r': 'a carriage return', '\u0000': 'a NUL byte' };

/**
 * What is wrong with a string under the free-text rule ("a NUL byte"), or undefined.
 * `allowed` lists control characters this field documents as allowed (e.g. "\n\r").
 */
export function describeControl(value: string, allowed = ''): string | undefined {
  for (const match of value.matchAll(CONTROL_ALL)) {
    const ch = match[0];
    if (allowed.includes(ch)) continue;
    const code = ch.charCodeAt(0);
    if (code >= 0xd800 && code <= 0xdfff) return `an unpaired surrogate U+${hex(code)}`;
    return Object.hasOwn(CONTROL_NAMES, ch) ? CONTROL_NAMES[ch] : `control character U+${hex(code)}`;
  }
  return undefined;
}

/** Text a job wrote, fit to record and show: each refused character replaced by U+FFFD. */
export function replaceControls(value: string, allowed = ''): string {
  return value.replace(CONTROL_ALL, (ch) => (allowed.includes(ch) ? ch : '\uFFFD'));
}

/** Where the first refused character is (UTF-16 index), or -1. */
export function controlIndex(value: string, allowed = ''): number {
  for (const match of value.matchAll(CONTROL_ALL)) if (!allowed.includes(match[0])) return match.index;
  return -1;
}

const hex = (code: number) => code.toString(16).padStart(4, '0').toUpperCase();

/** Messages quote at most this many characters of a user's value. */
export const EXCERPT_CHARS = 64;

/**
 * A user's value as an error message may quote it: JSON-quoted (so control characters show
 * as escapes), at most EXCERPT_CHARS characters of it, with "…" when cut.
 */
export function excerpt(value: string, maxChars = EXCERPT_CHARS): string {
  const chars = Array.from(value.length > maxChars * 2 ? value.slice(0, maxChars * 2) : value);
  const cut = chars.length > maxChars;
  // JSON escapes C0 controls and unpaired surrogates; DEL and C1 controls are escaped too.
  const quoted = JSON.stringify(cut ? chars.slice(0, maxChars).join('') : value).replace(/[\u007F-\u009F]/g, (c) => `\\u${hex(c.charCodeAt(0))}`);
  return `${quoted}${cut ? '…' : ''}`;
}

/** A free text value (argument, env value, description): printable text, bounded in bytes. */
export const safeText = (maxBytes: number) =>
  z
    .string()
    // Never more characters than bytes: a huge value is refused by its length alone, unscanned.
    .max(maxBytes, { error: (issue) => `is ${Buffer.byteLength(String(issue.input))} bytes; at most ${maxBytes} allowed`, abort: true })
    .superRefine((value, ctx) => {
      if (Buffer.byteLength(value) > maxBytes) {
        ctx.addIssue({ code: 'custom', message: `is ${Buffer.byteLength(value)} bytes; at most ${maxBytes} allowed` });
        return;
      }
      const control = describeControl(value);
      if (control) ctx.addIssue({ code: 'custom', message: `contains ${control}; control characters are not allowed` });
    });

/** Short free text bounded in characters (a name prefix): the free-text rule, at most `maxChars`. */
export const shortText = (maxChars: number) =>
  z
    .string()
    .max(maxChars, `is longer than ${maxChars} characters`)
    .superRefine((value, ctx) => {
      const control = value.length > maxChars ? undefined : describeControl(value);
      if (control) ctx.addIssue({ code: 'custom', message: `contains ${control}; control characters are not allowed` });
    });

/** A token such as a name: a fixed alphabet, so no shell or Slurm syntax can hide in it. */
export const token = (pattern: RegExp, what: string, maxLength: number) =>
  z
    .string()
    // abort: an over-long value is not matched against the pattern at all.
    .max(maxLength, { message: `is longer than ${maxLength} characters`, abort: true })
    .regex(pattern, `must be ${what}`);

/** The value under a user-named key, only if the record has it as its own (never from Object.prototype). */
export function ownValue<V>(record: Readonly<Record<string, V>> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Whether a record has a user-named key of its own ("constructor" is no key of {}). */
export function hasOwnKey(record: object | undefined, key: string): boolean {
  return record !== undefined && Object.hasOwn(record, key);
}

/**
 * A map of user-named keys (env, params, outputs, steps): every key and value checked, the
 * result a null-prototype object in the input's order, so names such as "__proto__",
 * "constructor" or "toString" are keys like any other (a plain z.record drops "__proto__").
 */
export function userRecord<K extends z.ZodType<string, string>, V extends z.ZodType>(key: K, value: V, limits: { min?: number; max?: number; what?: string } = {}) {
  const schema = z
    .custom<Record<string, unknown>>((input) => typeof input === 'object' && input !== null && !Array.isArray(input) && !(input instanceof Map), {
      message: 'must be a map of names to values',
    })
    .transform((input, ctx) => {
      const count = Object.keys(input).length;
      const what = limits.what ?? 'entries';
      if (limits.min !== undefined && count < limits.min) {
        ctx.addIssue({ code: 'custom', message: `must have at least ${limits.min === 1 ? `one ${what.replace(/s$/, '')}` : `${limits.min} ${what}`}` });
      }
      if (limits.max !== undefined && count > limits.max) {
        // Refused by its size before any entry is checked.
        ctx.addIssue({ code: 'custom', message: `has more than ${limits.max} ${what}` });
        return z.NEVER;
      }
      const out: Record<string, z.output<V>> = Object.create(null) as Record<string, z.output<V>>;
      for (const name of Object.keys(input)) {
        const k = key.safeParse(name);
        if (!k.success) {
          ctx.addIssue({ code: 'custom', path: [name], message: k.error.issues.map((i) => i.message).join('; ') });
          continue;
        }
        const v = value.safeParse(input[name]);
        if (!v.success) {
          for (const issue of v.error.issues) ctx.addIssue({ ...issue, path: [name, ...issue.path] });
          continue;
        }
        out[name] = v.data;
      }
      return out;
    });
  // In a JSON Schema it is what it looks like: an object of names to values.
  const shape = z.record(key, value).meta({
    ...(limits.min !== undefined ? { minProperties: limits.min } : {}),
    ...(limits.max !== undefined ? { maxProperties: limits.max } : {}),
  });
  schema._zod.processJSONSchema = (ctx, _json, params) => {
    z.core.processSchema(shape, ctx, params);
    const seen = ctx.seen.get(schema);
    if (seen) seen.ref = shape;
  };
  return schema;
}

export const SITE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
export const siteName = token(SITE_PATTERN, 'a site name: lower-case letters, digits and "-", starting with a letter', 32);
/** A UUID as Cairn writes them (lower case): job, attempt and run ids. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const uuid = z.string().regex(UUID_PATTERN, 'must be a UUID');

/**
 * Image references (Docker's grammar, docs/images.md "References"), as a pattern for the
 * published JSON Schema; Cairn checks them with parseImageReference (image-reference.ts).
 */
const DOMAIN = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]{1,5})?/)`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
export const IMAGE_REFERENCE = new RegExp(
  String.raw`^(?:docker://)?${DOMAIN}?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);
/** An image reference as written; the message names the part that is wrong (parseImageReference's rules). */
export const imageReference = z
  .string()
  .min(1, { message: 'is required', abort: true })
  .max(MAX_IMAGE_REFERENCE_CHARS, { message: `is longer than ${MAX_IMAGE_REFERENCE_CHARS} characters`, abort: true })
  .superRefine((value, ctx) => {
    const problem = imageReferenceProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: `must be an image reference: ${problem}`, input: value });
  })
  .meta({ pattern: IMAGE_REFERENCE.source });
