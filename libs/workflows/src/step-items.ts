import { findReferences, MAX_STEP_ITEMS } from '@cairn/workflow-language';
import { outputLocation, parentScope, rangeItems, RenderError, renderValue, RUN_MOUNT, type RunInfo, stepOf } from '@cairn/workflow-planner';
import { orRenderError, type SitePort } from './engine-ports';
import { describeControl, excerpt } from '@cairn/contracts';

const MAX_ITEMS_FILE_BYTES = 1 << 20;

/**
 * The items of an array step instance, fixed when it starts: the literal list, the range,
 * the JSON list an earlier step wrote, the lines of a file in the run, or the run's paths
 * matching a glob (as /cairn/run/... paths). Files are read by the site's agent.
 */
export async function resolveItems(run: RunInfo, key: string, site: SitePort): Promise<(string | number)[]> {
  const array = stepOf(run.workflow, key).array;
  if (!array) throw new RenderError(`step "${key}" has no array`);
  if (array.items) return array.items.map((v) => (typeof v === 'boolean' ? String(v) : v));
  if (array.range) {
    const count = Math.floor((array.range.to - array.range.from) / array.range.step) + 1;
    if (!(count <= MAX_STEP_ITEMS)) throw new RenderError(`array.range makes ${count} items; at most ${MAX_STEP_ITEMS}`);
    return rangeItems(array.range);
  }
  if (array.from) {
    const ref = findReferences(array.from)[0]?.reference;
    if (ref?.kind !== 'output') throw new RenderError('array.from must name a step output');
    const scope = parentScope(key);
    const location = outputLocation(run.workflow, scope, key.slice(scope ? scope.length + 1 : 0), ref.step, ref.output);
    const file = await orRenderError(`array.from: ${location.path}`, () => site.readRunFile(run.site, run.runId, location.path, MAX_ITEMS_FILE_BYTES));
    // The loop's own decision, seen from its first iteration: there is none yet, so no items.
    if (!file.exists && /\[0\]/.test(location.key)) return [];
    if (!file.exists) throw new RenderError(`array.from: ${location.path} was not written by step ${location.key}`);
    if (file.truncated) throw new RenderError(`array.from: ${location.path} is larger than 1 MiB`);
    return parseItemList(file.data.toString('utf8'), location.path);
  }
  if (array.lines) {
    const path = runRelative(renderValue(array.lines, run.workflow, key), 'lines');
    const file = await orRenderError(`array.lines: ${path}`, () => site.readRunFile(run.site, run.runId, path, MAX_ITEMS_FILE_BYTES));
    if (!file.exists) throw new RenderError(`array.lines: ${path} does not exist in the run`);
    if (file.truncated) throw new RenderError(`array.lines: ${path} is larger than 1 MiB`);
    return parseItemLines(file.data.toString('utf8'), path);
  }
  if (array.glob) {
    const pattern = runRelative(renderValue(array.glob, run.workflow, key), 'glob');
    const paths = await orRenderError(`array.glob: ${excerpt(pattern)}`, () => site.globRun(run.site, run.runId, pattern, MAX_STEP_ITEMS));
    if (paths.length === 0) throw new RenderError(`array.glob: ${excerpt(pattern)} matches nothing in the run`);
    // A file a job named with a control character is no item: say which, before any job is made.
    for (const path of paths) {
      const control = describeControl(path);
      if (control) throw new RenderError(`array.glob: the matched path ${excerpt(path)} contains ${control}`);
    }
    return paths.map((p) => `${RUN_MOUNT}/${p}`);
  }
  throw new RenderError('array has no item source');
}

/**
 * lines and glob name paths in the run's directory: relative to it, or under /cairn/run
 * (what an output reference renders to).
 */
function runRelative(value: string, field: string): string {
  const relative = value.startsWith(`${RUN_MOUNT}/`) ? value.slice(RUN_MOUNT.length + 1) : value;
  if (relative.startsWith('/') || relative.split('/').includes('..') || relative === '') {
    throw new RenderError(`array.${field}: ${excerpt(value)} must be a path inside the run directory (relative, or under ${RUN_MOUNT})`);
  }
  return relative;
}

/** Non-empty lines of a file, each an item (a trailing "\r" is dropped). */
export function parseItemLines(text: string, where: string): string[] {
  const items = text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '');
  if (items.length === 0) throw new RenderError(`array.lines: ${where} has no items`);
  if (items.length > MAX_STEP_ITEMS) throw new RenderError(`array.lines: ${where} has ${items.length} lines; at most ${MAX_STEP_ITEMS}`);
  items.forEach((item, i) => {
    const control = describeControl(item);
    if (control) throw new RenderError(`array.lines: line ${i + 1} of ${where} contains ${control}`);
    if (Buffer.byteLength(item) > 4096) throw new RenderError(`array.lines: line ${i + 1} of ${where} is longer than 4096 bytes`);
  });
  return items;
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
    if (typeof item === 'string') {
      // The free-text rule and the size of an argument, as for items written in the file.
      const control = describeControl(item);
      if (control) throw new RenderError(`array.from: item ${i} of ${where} contains ${control}`);
      if (Buffer.byteLength(item) > 4096) throw new RenderError(`array.from: item ${i} of ${where} is longer than 4096 bytes`);
      return item;
    }
    if (typeof item === 'number' && Number.isFinite(item)) return item;
    if (typeof item === 'boolean') return String(item);
    throw new RenderError(`array.from: item ${i} of ${where} is not a string, number or boolean`);
  });
}
