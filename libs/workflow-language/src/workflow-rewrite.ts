import { CairnError, excerpt } from '@cairn/contracts';
import { isAlias, isMap, isNode, isScalar, type Document, parseDocument, Scalar, type YAMLMap } from 'yaml';

/** A workflow parameter's value, as the file's `params` map holds it. */
export type ParamValue = string | number | boolean;

/**
 * Structural edits of a workflow file (a template's filled parameters, a re-run's pinned
 * images): the file is parsed as a YAML document (JSON is YAML), only the scalars edited
 * are replaced, and the document is written out again. No text is spliced, so a value is
 * only ever the value of its own entry, whatever characters it holds; comments and the
 * rest of the file keep their meaning.
 */

function documentOf(source: string): Document {
  const doc = parseDocument(source, { uniqueKeys: false, strict: true });
  if (doc.errors.length > 0) throw new CairnError('INTERNAL', 'the workflow file no longer parses');
  return doc;
}

const written = (doc: Document): string => doc.toString({ lineWidth: 0 });

function paramsMap(doc: Document): YAMLMap {
  const params = doc.get('params', true);
  if (!isMap(params)) throw new CairnError('INTERNAL', 'the workflow file has no params map');
  return params;
}

/** A new scalar of the value's type; text is always written quoted ("true", "12" or "null" stay text). */
function scalarOf(value: ParamValue): Scalar {
  const scalar = new Scalar(value);
  if (typeof value === 'string') scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}

/** The workflow file with its top-level `params` entries set to `values`, each a new scalar of the value's type. */
export function fillParams(source: string, values: ReadonlyMap<string, ParamValue>): string {
  if (values.size === 0) return source;
  const doc = documentOf(source);
  const params = paramsMap(doc);
  for (const [name, value] of values) params.set(name, scalarOf(value));
  return written(doc);
}

/**
 * Why the file's `params` entries named cannot be set structurally: the map itself is an
 * alias, or an entry carries an anchor that another part of the file refers to (setting
 * the entry would leave that reference dangling). Empty when every entry can be set.
 */
export function fillProblems(source: string, names: readonly string[]): string[] {
  const doc = parseDocument(source, { uniqueKeys: false, strict: true });
  if (doc.errors.length > 0) return [];
  const params = doc.get('params', true);
  if (isAlias(params)) return ['source: params: must be written out, not an alias (*name), so that a template can set its entries'];
  if (!isMap(params)) return [];
  const problems: string[] = [];
  for (const name of names) {
    const node = params.get(name, true);
    if (isNode(node) && !isAlias(node) && node.anchor) problems.push(`source: params.${name}: carries an anchor (&${excerpt(node.anchor)}); a template parameter's entry must not`);
  }
  return problems;
}

const notPinnable = (where: string, why: string) => new CairnError('FAILED_PRECONDITION', `${where}: ${why}; the recorded file cannot be pinned structurally`);

/** The map at `key` of `map` (undefined when absent or not a map); an alias is refused: what it stands for might be shared. */
function mapAt(map: YAMLMap, key: string, where: string): YAMLMap | undefined {
  const node = map.get(key, true);
  if (isAlias(node)) throw notPinnable(where, 'is an alias (*name)');
  return isMap(node) ? node : undefined;
}

/** Where an image may be written in a workflow file: `defaults.image`, and `image` of every step (in loops too). */
function imageEntries(doc: Document): Array<{ where: string; map: YAMLMap; scalar: Scalar }> {
  const found: Array<{ where: string; map: YAMLMap; scalar: Scalar }> = [];
  const take = (map: YAMLMap, where: string) => {
    const image = map.get('image', true);
    if (image === undefined) return;
    if (isAlias(image)) throw notPinnable(`${where}.image`, 'is an alias (*name)');
    if (!isScalar(image) || typeof image.value !== 'string') throw new CairnError('INTERNAL', `${where}.image: is not text`);
    if (image.anchor) throw notPinnable(`${where}.image`, `carries an anchor (&${excerpt(image.anchor)})`);
    found.push({ where: `${where}.image`, map, scalar: image });
  };
  const steps = (map: YAMLMap | undefined, where: string) => {
    if (!map) return;
    for (const pair of map.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '?';
      if (isAlias(pair.value)) throw notPinnable(`${where}.${name}`, 'is an alias (*name)');
      if (!isMap(pair.value)) continue;
      take(pair.value, `${where}.${name}`);
      const loop = mapAt(pair.value, 'loop', `${where}.${name}.loop`);
      if (loop) steps(mapAt(loop, 'steps', `${where}.${name}.loop.steps`), `${where}.${name}.loop.steps`);
    }
  };
  if (!isMap(doc.contents)) return found;
  const defaults = mapAt(doc.contents, 'defaults', 'defaults');
  if (defaults) take(defaults, 'defaults');
  steps(mapAt(doc.contents, 'steps', 'steps'), 'steps');
  return found;
}

/**
 * The workflow file with every image reference (`defaults.image`, each step's `image`, in
 * loops too) replaced by its pinned reference from `pins` (as written → pinned). A
 * reference with no pin is refused (FAILED_PRECONDITION), as is an image, a step or a
 * steps map written as an alias or carrying an anchor (what refers to it would change too).
 */
export function pinImages(source: string, pins: ReadonlyMap<string, string>): string {
  const doc = documentOf(source);
  const entries = imageEntries(doc);
  if (entries.length === 0) return source;
  for (const { where, map, scalar } of entries) {
    const reference = String(scalar.value);
    const pinned = pins.get(reference);
    if (pinned === undefined) throw new CairnError('FAILED_PRECONDITION', `${where}: ${excerpt(reference)} has no recorded digest`);
    const replacement = scalarOf(pinned);
    replacement.comment = scalar.comment;
    replacement.commentBefore = scalar.commentBefore;
    map.set('image', replacement);
  }
  return written(doc);
}
