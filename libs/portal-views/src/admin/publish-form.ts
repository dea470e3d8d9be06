/**
 * The admin's template publish form as plain functions: parameter rows as typed (all
 * text), turned into PublishTemplate's parameters; an existing template back into rows;
 * the draft kept in sessionStorage; the server's refusal placed at the field it names.
 */
import { TemplateParameterType, type TemplateParameter } from '@cairn/portal-client';

/** One parameter row of the form, every field as text. */
export interface ParameterRow {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  /** "STRING" | "INTEGER" | "NUMBER" | "BOOLEAN" | "CHOICE". */
  readonly type: string;
  /** CHOICE: one choice per line. */
  readonly choices: string;
  readonly minimum: string;
  readonly maximum: string;
}

export interface PublishDraft {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly source: string;
  readonly rows: readonly ParameterRow[];
}

export const PARAMETER_TYPES = ['STRING', 'INTEGER', 'NUMBER', 'BOOLEAN', 'CHOICE'] as const;
export const MAX_PARAMETER_ROWS = 64;
export const EMPTY_ROW: ParameterRow = { name: '', label: '', description: '', type: 'STRING', choices: '', minimum: '', maximum: '' };
export const EMPTY_PUBLISH: PublishDraft = { name: '', title: '', description: '', source: '', rows: [] };

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** A parameter as PublishTemplateRequest carries it (the generated init shape). */
export interface ParameterInit {
  name: string;
  label: string;
  description: string;
  type: TemplateParameterType;
  choices: string[];
  hasMinimum: boolean;
  minimum: number;
  hasMaximum: boolean;
  maximum: number;
  defaultValue: string;
}

function typeOf(text: string): TemplateParameterType {
  switch (text) {
    case 'STRING':
      return TemplateParameterType.STRING;
    case 'INTEGER':
      return TemplateParameterType.INTEGER;
    case 'NUMBER':
      return TemplateParameterType.NUMBER;
    case 'BOOLEAN':
      return TemplateParameterType.BOOLEAN;
    case 'CHOICE':
      return TemplateParameterType.CHOICE;
    default:
      return TemplateParameterType.UNSPECIFIED;
  }
}

/**
 * The rows as PublishTemplate's parameters, or the problems the form can see by row (bad
 * bounds); everything else (names, the file's params, defaults) the server checks. The
 * default is left empty: Cairn takes the file's.
 */
export function rowsToParameters(rows: readonly ParameterRow[]): { parameters: ParameterInit[]; problems: Record<number, string[]> } {
  const problems: Record<number, string[]> = {};
  const parameters = rows.map((row, i) => {
    const rowProblems: string[] = [];
    const type = typeOf(row.type);
    const numeric = type === TemplateParameterType.INTEGER || type === TemplateParameterType.NUMBER;
    const bound = (text: string, which: string): [boolean, number] => {
      const t = text.trim();
      if (t === '') return [false, 0];
      if (!numeric) {
        rowProblems.push(`Only INTEGER and NUMBER parameters have a ${which}.`);
        return [false, 0];
      }
      if (!NUMBER.test(t) || !Number.isFinite(Number(t))) {
        rowProblems.push(`The ${which} must be a number.`);
        return [false, 0];
      }
      return [true, Number(t)];
    };
    const [hasMinimum, minimum] = bound(row.minimum, 'minimum');
    const [hasMaximum, maximum] = bound(row.maximum, 'maximum');
    if (hasMinimum && hasMaximum && minimum > maximum) rowProblems.push('The minimum is above the maximum.');
    if (row.name.trim() === '') rowProblems.push('Name the params entry this parameter sets.');
    const choices = type === TemplateParameterType.CHOICE ? row.choices.split('\n').map((c) => c.trim()).filter((c) => c !== '') : [];
    if (type === TemplateParameterType.CHOICE && choices.length === 0) rowProblems.push('A CHOICE parameter needs at least one choice (one per line).');
    if (rowProblems.length > 0) problems[i] = rowProblems;
    return { name: row.name.trim(), label: row.label, description: row.description, type, choices, hasMinimum, minimum, hasMaximum, maximum, defaultValue: '' };
  });
  return { parameters, problems };
}

/** A published template back into the form (to publish a new version). */
export function templateToDraft(t: {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly source: string;
  readonly parameters: readonly Pick<TemplateParameter, 'name' | 'label' | 'description' | 'type' | 'choices' | 'hasMinimum' | 'minimum' | 'hasMaximum' | 'maximum'>[];
}): PublishDraft {
  return {
    name: t.name,
    title: t.title,
    description: t.description,
    source: t.source,
    rows: t.parameters.map((p) => ({
      name: p.name,
      label: p.label,
      description: p.description,
      type: TemplateParameterType[p.type] ?? 'STRING',
      choices: p.choices.join('\n'),
      minimum: p.hasMinimum ? String(p.minimum) : '',
      maximum: p.hasMaximum ? String(p.maximum) : '',
    })),
  };
}

function text(value: unknown, field: string, max: number): string {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, field)) return '';
  const v: unknown = Object.getOwnPropertyDescriptor(value, field)?.value;
  return typeof v === 'string' && v.length <= max ? v : '';
}

/** Reads a stored publish draft back (strings only, bounded; at most 64 rows). */
export function parsePublishDraft(stored: unknown): PublishDraft | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const rawRows: unknown = Object.getOwnPropertyDescriptor(stored, 'rows')?.value;
  const rows = Array.isArray(rawRows)
    ? rawRows.slice(0, MAX_PARAMETER_ROWS).map(
        (r: unknown): ParameterRow => ({
          name: text(r, 'name', 200),
          label: text(r, 'label', 200),
          description: text(r, 'description', 2048),
          type: (PARAMETER_TYPES as readonly string[]).includes(text(r, 'type', 16)) ? text(r, 'type', 16) : 'STRING',
          choices: text(r, 'choices', 100_000),
          minimum: text(r, 'minimum', 40),
          maximum: text(r, 'maximum', 40),
        }),
      )
    : [];
  return {
    name: text(stored, 'name', 200),
    title: text(stored, 'title', 400),
    description: text(stored, 'description', 8192),
    source: text(stored, 'source', 300_000),
    rows,
  };
}

/** The server's refusal by field: name, title, description, a parameter row; the file's lines go to the editor (serverProblems). */
export interface PublishProblems {
  readonly fields: Partial<Record<'name' | 'title' | 'description', string[]>>;
  readonly rows: Record<number, string[]>;
  readonly general: string[];
}

/** Places the lines the editor did not take (`name: ...`, `parameters[2] ("lr").minimum: ...`). */
export function placePublishProblems(lines: readonly string[]): PublishProblems {
  const fields: Partial<Record<'name' | 'title' | 'description', string[]>> = {};
  const rows: Record<number, string[]> = {};
  const general: string[] = [];
  for (const line of lines) {
    const field = /^(name|title|description): (.*)$/.exec(line);
    const row = /^parameters\[(\d{1,3})\](?: \("(?:[^"\\]|\\.)*"\))?(?:\.([a-z_]+))?:? (.*)$/.exec(line);
    if (field !== null) {
      const key = field[1] as 'name' | 'title' | 'description';
      fields[key] = [...(fields[key] ?? []), field[2] ?? line];
    } else if (row !== null && Number(row[1]) < MAX_PARAMETER_ROWS) {
      const i = Number(row[1]);
      rows[i] = [...(rows[i] ?? []), row[2] !== undefined ? `${row[2]}: ${row[3] ?? ''}` : (row[3] ?? line)];
    } else {
      general.push(line);
    }
  }
  return { fields, rows, general };
}
