import { CairnError, excerpt } from '@cairn/contracts';
import { isAlias, isMap, isNode, parseDocument, Scalar } from 'yaml';
import type { ParamValue } from './template-form';

/**
 * The workflow file with its `params` entries set to `values`, structurally: the file is
 * parsed as a YAML document, each entry of the top-level `params` map gets a new scalar of
 * the value's type, and the document is written out again. No text is spliced, so a value
 * is only ever that entry's value, whatever characters it holds; comments and the rest of
 * the file keep their meaning.
 */
export function fillParams(source: string, values: ReadonlyMap<string, ParamValue>): string {
  if (values.size === 0) return source;
  const doc = parseDocument(source, { uniqueKeys: false, strict: true });
  if (doc.errors.length > 0) throw new CairnError('INTERNAL', 'the template\'s file no longer parses');
  const params = doc.get('params', true);
  if (!isMap(params)) throw new CairnError('INTERNAL', 'the template\'s file has no params map');
  for (const [name, value] of values) {
    const scalar = new Scalar(value);
    // Text is always written quoted: "true", "12" or "null" stay text, and nothing in it reads as YAML.
    if (typeof value === 'string') scalar.type = Scalar.QUOTE_DOUBLE;
    params.set(name, scalar);
  }
  return doc.toString({ lineWidth: 0 });
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
