import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from './config.errors';

/** One setting: the environment variable that sets it and its schema (with default). */
export interface SettingDef<T extends z.ZodType = z.ZodType> {
  env: string;
  schema: T;
  doc: string;
}

export type SettingsDef = Record<string, SettingDef>;
export type SettingsOf<D extends SettingsDef> = { [K in keyof D]: z.output<D[K]['schema']> };

export function setting<T extends z.ZodType>(env: string, schema: T, doc: string): SettingDef<T> {
  return { env, schema, doc };
}

export interface LoadOptions {
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** A YAML or JSON file whose keys are the setting names (camelCase); env wins. */
  file?: string;
}

/**
 * Reads settings from an optional config file (CAIRN_CONFIG) and the environment,
 * environment first, and validates them. Throws one ConfigError naming every bad setting.
 */
export function loadConfig<D extends SettingsDef>(defs: D, options: LoadOptions = {}): SettingsOf<D> {
  const env = options.env ?? process.env;
  const file = options.file ?? env['CAIRN_CONFIG'];
  const fromFile = file ? readConfigFile(file) : {};
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(defs)) {
    const raw = env[def.env] ?? fromFile[key];
    const result = def.schema.safeParse(raw === '' ? undefined : raw);
    if (result.success) {
      out[key] = result.data;
    } else {
      const why = result.error.issues.map((i) => i.message).join('; ');
      const shown = raw === undefined ? 'unset' : JSON.stringify(raw);
      problems.push(`${def.env} (${key}) is ${shown}: ${why} — ${def.doc}`);
    }
  }
  for (const key of Object.keys(fromFile)) {
    if (!(key in defs)) problems.push(`${file}: unknown setting "${key}"`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join(' | ')}`);
  return out as SettingsOf<D>;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`CAIRN_CONFIG: cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`CAIRN_CONFIG: ${file} is not valid YAML/JSON: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`CAIRN_CONFIG: ${file} must hold a mapping of setting names to values`);
  }
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'object' ? v : String(v)]));
}
