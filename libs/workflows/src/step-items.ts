import { findReferences } from './templates';
import { rangeItems } from './array-plan';
import type { SitePort } from './engine-ports';
import { outputLocation, parentScope, RenderError, stepOf } from './run-layout';
import type { RunInfo } from './step-launcher';

/** The most items one array step may have. */
export const MAX_STEP_ITEMS = 1_000_000;
const MAX_ITEMS_FILE_BYTES = 1 << 20;

/**
 * The items of an array step instance, fixed when it starts: the literal list, the range,
 * or the JSON list an earlier step wrote (read from the run's directory on the site).
 */
export async function resolveItems(run: RunInfo, key: string, site: SitePort): Promise<(string | number)[]> {
  const array = stepOf(run.workflow, key).array;
  if (!array) throw new RenderError(`step "${key}" has no array`);
  if (array.items) return array.items.map((v) => (typeof v === 'boolean' ? String(v) : v));
  if (array.range) return rangeItems(array.range);
  if (array.from) {
    const ref = findReferences(array.from)[0]?.reference;
    if (ref?.kind !== 'output') throw new RenderError('array.from must name a step output');
    const scope = parentScope(key);
    const location = outputLocation(run.workflow, scope, key.slice(scope ? scope.length + 1 : 0), ref.step, ref.output);
    const file = await site.readRunFile(run.site, run.runId, location.path, MAX_ITEMS_FILE_BYTES);
    if (!file.exists) throw new RenderError(`array.from: ${location.path} was not written by step ${location.key}`);
    if (file.truncated) throw new RenderError(`array.from: ${location.path} is larger than 1 MiB`);
    return parseItemList(file.data.toString('utf8'), location.path);
  }
  throw new RenderError(`array.${array.glob ? 'glob' : 'lines'} is not supported by the engine yet; use items, range or from`);
}

/** A JSON list of strings, numbers or booleans (also accepted: {"items": [...]}). */
export function parseItemList(text: string, where: string): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RenderError(`array.from: ${where} is not JSON (${(error as Error).message})`);
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Array.isArray((parsed as { items?: unknown }).items)) {
    parsed = (parsed as { items: unknown[] }).items;
  }
  if (!Array.isArray(parsed)) throw new RenderError(`array.from: ${where} must hold a JSON list of items`);
  if (parsed.length === 0) throw new RenderError(`array.from: ${where} lists no items`);
  if (parsed.length > MAX_STEP_ITEMS) throw new RenderError(`array.from: ${where} lists ${parsed.length} items; at most ${MAX_STEP_ITEMS}`);
  return parsed.map((item, i) => {
    if (typeof item === 'string' || (typeof item === 'number' && Number.isFinite(item))) return item;
    if (typeof item === 'boolean') return String(item);
    throw new RenderError(`array.from: item ${i} of ${where} is not a string, number or boolean`);
  });
}
