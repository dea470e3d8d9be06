import { controlIndex, describeControl, excerpt, jsonBytes, TEMPLATE_LIMITS, type TemplateDraft, type TemplateParameter, type TemplateParameterType } from '@cairn/contracts';
import { fillProblems, MAX_LISTED_PROBLEMS, type ParsedWorkflow, parseWorkflow, WorkflowError } from '@cairn/workflow-language';
import { parseDocument } from 'yaml';

/** A `params` value of a workflow file: text, a number or a boolean. */
export type ParamValue = string | number | boolean;

/** A template that passed every check, with each parameter's default taken from the file. */
export interface CheckedTemplate {
  name: string;
  title: string;
  description: string;
  source: string;
  parameters: TemplateParameter[];
  workflow: ParsedWorkflow;
}

/** The file name a template's problems are reported under ("source:3:5: ..."). */
export const SOURCE_FILE = 'source';

const L = TEMPLATE_LIMITS;
const MAX_PROBLEM_CHARS = 300;

/**
 * Problems as one error's text, one a line, as every Cairn error lists them: at most
 * MAX_LISTED_PROBLEMS (then how many more), each cut to 300 characters.
 */
export function listedProblems(problems: readonly string[]): string {
  const shown = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => (p.length > MAX_PROBLEM_CHARS ? `${p.slice(0, MAX_PROBLEM_CHARS)}…` : p));
  const more = problems.length - shown.length;
  return [...shown, ...(more > 0 ? [`and ${more} more problem${more === 1 ? '' : 's'}`] : [])].join('\n');
}

/** A decimal number as a form sends it: "-3", "0.25", "1e-3" (no hex, no "Infinity", no spaces). */
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/** Problems of a text: its length, then control characters (`allowed` lists those allowed). */
function textProblems(field: string, value: string, limits: { min?: number; max: number }, allowed = ''): string[] {
  if (value.length > limits.max) return [`${field}: is ${value.length} characters; at most ${limits.max}`];
  if (limits.min !== undefined && value.trim().length < limits.min) return [`${field}: must not be empty`];
  const bad = controlIndex(value, allowed);
  if (bad >= 0) return [`${field}: contains ${describeControl(value.slice(bad, bad + 2), allowed) ?? 'a control character'}; control characters are not allowed`];
  return [];
}

/** The text a form shows for a file's default. */
export const defaultText = (value: ParamValue): string => String(value);

/**
 * Checks a template an admin publishes, all of it: its name, title and description, its
 * file (parsed and validated as SubmitWorkflow does: every problem with line and column),
 * and each parameter against the `params` entry it sets. Returns the template with each
 * parameter's default from the file, or every problem found.
 */
export function checkTemplate(draft: TemplateDraft): { template: CheckedTemplate; problems?: undefined } | { problems: string[]; template?: undefined } {
  const problems: string[] = [];
  if (!L.namePattern.test(draft.name)) {
    problems.push(`name: ${excerpt(draft.name)} is not a template name (lower-case letters, digits and "-", starting with a letter; at most 63)`);
  }
  problems.push(...textProblems('title', draft.title, { min: 1, max: L.maxTitleChars }));
  problems.push(...textProblems('description', draft.description, { max: L.maxDescriptionChars }, '\n'));
  let workflow: ParsedWorkflow | undefined;
  if (draft.source.trim() === '') {
    problems.push('source: is empty');
  } else {
    try {
      workflow = parseWorkflow(draft.source, SOURCE_FILE);
    } catch (error) {
      if (!(error instanceof WorkflowError)) throw error;
      // Each problem as the workflow service reports it: "source:<line>:<column>: <field>: <message>".
      problems.push(...error.message.split('\n'));
    }
  }
  const parameters: TemplateParameter[] = [];
  if (draft.parameters.length > L.maxParameters) {
    problems.push(`parameters: ${draft.parameters.length} given; at most ${L.maxParameters}`);
  } else {
    const seen = new Set<string>();
    const params = paramsOf(draft.source, workflow);
    for (const [index, parameter] of draft.parameters.entries()) {
      const checked = checkParameter(parameter, `parameters[${index}]`, params, seen);
      problems.push(...checked.problems);
      parameters.push(checked.parameter);
    }
    if (workflow) problems.push(...fillProblems(draft.source, parameters.map((p) => p.name)));
    const bytes = jsonBytes(parameters);
    if (bytes > L.maxParametersJsonBytes) problems.push(`parameters: are ${bytes} bytes as JSON together; at most ${L.maxParametersJsonBytes}`);
  }
  if (problems.length > 0 || !workflow) return { problems };
  return { template: { name: draft.name, title: draft.title, description: draft.description, source: draft.source, parameters, workflow } };
}

/**
 * The file's `params`: the parsed workflow's or, when the file has other problems, as its
 * YAML reads (so the parameters are checked as well); undefined when that cannot be told.
 */
function paramsOf(source: string, workflow: ParsedWorkflow | undefined): Readonly<Record<string, unknown>> | undefined {
  if (workflow) return workflow.params ?? {};
  try {
    const doc = parseDocument(source, { uniqueKeys: false, strict: true });
    if (doc.errors.length > 0) return undefined;
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (!isRecord(value)) return undefined;
    const params = Object.hasOwn(value, 'params') ? value['params'] : undefined;
    if (params === undefined) return {};
    return isRecord(params) ? params : undefined;
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkParameter(p: TemplateParameter, at: string, params: Readonly<Record<string, unknown>> | undefined, seen: Set<string>): { parameter: TemplateParameter; problems: string[] } {
  const problems: string[] = [];
  const field = `${at} (${excerpt(p.name)})`;
  problems.push(...textProblems(`${field}.label`, p.label, { max: L.maxLabelChars }));
  problems.push(...textProblems(`${field}.description`, p.description, { max: L.maxParameterDescriptionChars }));
  if (seen.has(p.name)) problems.push(`${field}.name: named twice; each parameter sets a different params entry`);
  seen.add(p.name);
  const entry = params && Object.hasOwn(params, p.name) ? params[p.name] : undefined;
  if (params && entry === undefined) problems.push(`${field}.name: the file has no params entry ${excerpt(p.name)}`);
  if (p.type === 'UNSPECIFIED') {
    problems.push(`${field}.type: must be set (STRING, INTEGER, NUMBER, BOOLEAN or CHOICE)`);
    return { parameter: p, problems };
  }
  // The file's default is judged only against well-formed bounds and choices.
  const formProblems = [...boundsProblems(p, field), ...choicesProblems(p, field)];
  problems.push(...formProblems);
  if (entry === undefined || formProblems.length > 0) return { parameter: p, problems };
  if (typeof entry !== 'string' && typeof entry !== 'number' && typeof entry !== 'boolean') {
    problems.push(`${field}: the file's params entry is not text, a number or a boolean`);
    return { parameter: p, problems };
  }
  const fileDefault: ParamValue = entry;
  const fileText = defaultText(fileDefault);
  const typeProblem = defaultProblem(p, p.type, fileDefault);
  if (typeProblem) problems.push(`${field}: the file's default ${excerpt(fileText)} ${typeProblem}`);
  if (p.defaultValue !== '' && p.defaultValue !== fileText) {
    problems.push(`${field}.default_value: ${excerpt(p.defaultValue)} is not the file's default ${excerpt(fileText)}; leave it empty (Cairn shows the file's) or change the file`);
  }
  return { parameter: { ...p, defaultValue: fileText }, problems };
}

function boundsProblems(p: TemplateParameter, field: string): string[] {
  const numeric = p.type === 'INTEGER' || p.type === 'NUMBER';
  const problems: string[] = [];
  for (const key of ['minimum', 'maximum'] as const) {
    const bound = p[key];
    if (bound === undefined) continue;
    if (!numeric) problems.push(`${field}.${key}: only INTEGER and NUMBER parameters have bounds`);
    else if (!Number.isFinite(bound)) problems.push(`${field}.${key}: must be a finite number`);
    else if (p.type === 'INTEGER' && !Number.isSafeInteger(bound)) problems.push(`${field}.${key}: must be a whole number for an INTEGER parameter`);
  }
  if (numeric && p.minimum !== undefined && p.maximum !== undefined && p.minimum > p.maximum) problems.push(`${field}: minimum ${p.minimum} is above maximum ${p.maximum}`);
  return problems;
}

function choicesProblems(p: TemplateParameter, field: string): string[] {
  if (p.type !== 'CHOICE') return p.choices.length > 0 ? [`${field}.choices: only CHOICE parameters have choices`] : [];
  if (p.choices.length === 0) return [`${field}.choices: a CHOICE parameter needs at least one choice`];
  if (p.choices.length > L.maxChoices) return [`${field}.choices: ${p.choices.length} given; at most ${L.maxChoices}`];
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [i, choice] of p.choices.entries()) {
    problems.push(...textProblems(`${field}.choices[${i}]`, choice, { min: 1, max: L.maxChoiceChars }));
    if (seen.has(choice)) problems.push(`${field}.choices[${i}]: ${excerpt(choice)} is listed twice`);
    seen.add(choice);
  }
  return problems;
}

/** Why the file's default does not fit the parameter's type, or undefined when it does. */
function defaultProblem(p: TemplateParameter, type: TemplateParameterType, value: ParamValue): string | undefined {
  switch (type) {
    case 'STRING':
      return typeof value === 'string' ? undefined : 'is not text (quote it in the file)';
    case 'BOOLEAN':
      return typeof value === 'boolean' ? undefined : 'is not true or false';
    case 'INTEGER':
    case 'NUMBER':
      if (typeof value !== 'number') return 'is not a number';
      return valueProblem(p, String(value));
    case 'CHOICE':
      if (typeof value === 'boolean') return 'is a boolean; use a BOOLEAN parameter';
      if (!p.choices.includes(String(value))) return 'is not one of the choices';
      if (typeof value === 'number' && !p.choices.every((c) => DECIMAL.test(c))) return 'is a number, so every choice must be a number';
      return undefined;
  }
}

/**
 * Why a value (as text, from a form) does not fit its parameter, or undefined when it
 * does. The message never repeats a long value: at most an excerpt.
 */
export function valueProblem(p: TemplateParameter, text: string): string | undefined {
  switch (p.type) {
    case 'UNSPECIFIED':
      return 'has no type';
    case 'STRING': {
      if (text.length > L.maxStringChars) return `is ${text.length} characters; at most ${L.maxStringChars}`;
      const bad = controlIndex(text);
      if (bad >= 0) return `contains ${describeControl(text.slice(bad, bad + 2)) ?? 'a control character'} (a line break or another control character); not allowed`;
      if (/[\u2028\u2029]/.test(text)) return 'contains a Unicode line or paragraph separator (a line break); not allowed';
      return undefined;
    }
    case 'BOOLEAN':
      return text === 'true' || text === 'false' ? undefined : `must be true or false, not ${excerpt(text)}`;
    case 'CHOICE':
      return p.choices.includes(text) ? undefined : `must be one of ${p.choices.slice(0, 10).map((c) => excerpt(c)).join(', ')}${p.choices.length > 10 ? ', ...' : ''}; not ${excerpt(text)}`;
    case 'INTEGER':
    case 'NUMBER': {
      const pattern = p.type === 'INTEGER' ? INTEGER : DECIMAL;
      const n = Number(text);
      if (text.length > 32 || !pattern.test(text) || !Number.isFinite(n)) return `must be ${p.type === 'INTEGER' ? 'a whole number' : 'a number'}, not ${excerpt(text)}`;
      if (p.type === 'INTEGER' && !Number.isSafeInteger(n)) return `must be a whole number between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`;
      if (p.minimum !== undefined && n < p.minimum) return `must be at least ${p.minimum}, not ${text}`;
      if (p.maximum !== undefined && n > p.maximum) return `must be at most ${p.maximum}, not ${text}`;
      return undefined;
    }
  }
}

/**
 * The value a `params` entry gets, typed as the file would write it: integers and numbers
 * as numbers, booleans as booleans, text as text; a CHOICE keeps the type of the file's
 * default (a number when the default is one). Call after valueProblem found nothing.
 */
export function typedValue(p: TemplateParameter, text: string, fileDefault: ParamValue): ParamValue {
  switch (p.type) {
    case 'INTEGER':
    case 'NUMBER':
      return Number(text);
    case 'BOOLEAN':
      return text === 'true';
    case 'CHOICE':
      return typeof fileDefault === 'number' ? Number(text) : text;
    case 'STRING':
    case 'UNSPECIFIED':
      return text;
  }
}
