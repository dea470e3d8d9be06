/**
 * The researcher's template form as plain functions: each parameter's first value, the
 * check of a value as typed (the same rules TemplateService.RunTemplate applies; the server
 * checks again), the draft kept in sessionStorage, and the server's complaints placed at
 * the field they name.
 */
import { TemplateParameterType, type TemplateParameter } from '@cairn/portal-client';

/** The parts of a parameter the form needs (the generated message has more). */
export type FormParameter = Pick<TemplateParameter, 'name' | 'label' | 'description' | 'type' | 'choices' | 'hasMinimum' | 'minimum' | 'hasMaximum' | 'maximum' | 'defaultValue'>;

/** A STRING value's most characters (docs/templates.md). */
export const MAX_STRING_CHARS = 1024;
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const INTEGER = /^-?(0|[1-9][0-9]*)$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Values by parameter name, as text (what RunTemplateRequest.parameters carries). */
export type FormValues = Readonly<Record<string, string>>;

/** The label a field shows: its label, else its name. */
export function fieldLabel(p: Pick<FormParameter, 'name' | 'label'>): string {
  return p.label.trim() || p.name;
}

/** The value a field starts with: the template's default ("false" for a BOOLEAN without one, the first choice for a CHOICE). */
export function initialValue(p: FormParameter): string {
  if (p.type === TemplateParameterType.BOOLEAN) return p.defaultValue === 'true' ? 'true' : 'false';
  if (p.type === TemplateParameterType.CHOICE && !p.choices.includes(p.defaultValue)) return p.choices[0] ?? '';
  return p.defaultValue;
}

export function initialValues(parameters: readonly FormParameter[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of parameters) values[p.name] = initialValue(p);
  return values;
}

/** Why a value does not fit its parameter, or undefined when it does. */
export function valueProblem(p: FormParameter, text: string): string | undefined {
  switch (p.type) {
    case TemplateParameterType.STRING:
      if (text.length > MAX_STRING_CHARS) return `Too long: ${text.length} characters, at most ${MAX_STRING_CHARS}.`;
      if (CONTROL.test(text)) return 'Line breaks and other control characters are not allowed.';
      return undefined;
    case TemplateParameterType.BOOLEAN:
      return text === 'true' || text === 'false' ? undefined : 'Must be true or false.';
    case TemplateParameterType.CHOICE:
      return p.choices.includes(text) ? undefined : 'Choose one of the options.';
    case TemplateParameterType.INTEGER:
    case TemplateParameterType.NUMBER: {
      const integer = p.type === TemplateParameterType.INTEGER;
      const t = text.trim();
      const n = Number(t);
      if (t === '') return 'Enter a value.';
      if (t.length > 32 || !(integer ? INTEGER : DECIMAL).test(t) || !Number.isFinite(n)) return integer ? 'Must be a whole number.' : 'Must be a number.';
      if (integer && !Number.isSafeInteger(n)) return 'The number is too large.';
      if (p.hasMinimum && n < p.minimum) return `Must be at least ${p.minimum}.`;
      if (p.hasMaximum && n > p.maximum) return `Must be at most ${p.maximum}.`;
      return undefined;
    }
    case TemplateParameterType.UNSPECIFIED:
      return 'This parameter has no type; the template must be published again.';
  }
}

/**
 * Checks every field: the values to send (numbers trimmed) or the problems by field.
 * Values equal to the default are sent too (the person saw and kept them).
 */
export function checkForm(parameters: readonly FormParameter[], values: FormValues): { values: Record<string, string>; problems: Record<string, string> } {
  const out: Record<string, string> = {};
  const problems: Record<string, string> = {};
  for (const p of parameters) {
    const raw = Object.hasOwn(values, p.name) ? (values[p.name] ?? '') : initialValue(p);
    const numeric = p.type === TemplateParameterType.INTEGER || p.type === TemplateParameterType.NUMBER;
    const text = numeric ? raw.trim() : raw;
    const problem = valueProblem(p, text);
    if (problem !== undefined) problems[p.name] = problem;
    else out[p.name] = text;
  }
  return { values: out, problems };
}

/** The server's refusal placed at fields: `parameters["lr"]: must be ...` goes to lr; other lines stay general. */
export function serverProblems(message: string, parameterNames: readonly string[]): { byField: Record<string, string>; general: string[] } {
  const byField: Record<string, string> = {};
  const general: string[] = [];
  for (const line of message.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
    const m = /^parameters\[("(?:[^"\\]|\\.)*"|[A-Za-z0-9_]+)\]:\s*(.*)$/.exec(line);
    const name = m?.[1] === undefined ? undefined : m[1].startsWith('"') ? safeJson(m[1]) : m[1];
    if (m !== null && name !== undefined && parameterNames.includes(name) && !Object.hasOwn(byField, name)) byField[name] = m[2] ?? line;
    else general.push(line);
  }
  return { byField, general };
}

function safeJson(quoted: string): string | undefined {
  try {
    const v: unknown = JSON.parse(quoted);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** What the template form keeps in sessionStorage (key `cairn.draft.template.<name>`). */
export interface TemplateDraft {
  readonly values: Record<string, string>;
  readonly account: string;
}

export function templateDraftName(templateName: string): string {
  return `template.${templateName}`;
}

/** Reads a stored draft back: only string values of this template's parameters, bounded. */
export function parseTemplateDraft(stored: unknown, parameterNames: readonly string[]): TemplateDraft | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const values: Record<string, string> = {};
  const rawValues: unknown = Object.getOwnPropertyDescriptor(stored, 'values')?.value;
  if (typeof rawValues === 'object' && rawValues !== null) {
    for (const name of parameterNames) {
      const v: unknown = Object.hasOwn(rawValues, name) ? Object.getOwnPropertyDescriptor(rawValues, name)?.value : undefined;
      if (typeof v === 'string' && v.length <= MAX_STRING_CHARS * 4) values[name] = v;
    }
  }
  const account: unknown = Object.getOwnPropertyDescriptor(stored, 'account')?.value;
  return { values, account: typeof account === 'string' && account.length <= 256 ? account : '' };
}
