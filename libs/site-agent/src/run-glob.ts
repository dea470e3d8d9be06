import { lstat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError, type RunGlobQuery } from '@cairn/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A glob segment as a regular expression: `*` any run of characters but "/", `?` one,
 * `[abc]`, `[a-z]`, `[!x]` a class; everything else literal. Names starting with "." match
 * only a segment that starts with "." itself.
 */
export function segmentMatcher(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i += 1) {
    const ch = segment[i] as string;
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) throw new CairnError('INVALID_ARGUMENT', `unclosed "[" in glob segment "${segment}"`);
      let body = segment.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      source += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else source += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

const isPattern = (segment: string) => /[*?[]/.test(segment);

/**
 * Lists the files and directories of a run (<root>/<run id>/...) that match a glob. Only
 * real directories are descended and only real files and directories are returned: a
 * symbolic link is never followed, so nothing outside the run is listed.
 */
export async function globRun(root: string, query: RunGlobQuery): Promise<string[]> {
  if (!UUID.test(query.runId)) throw new CairnError('INVALID_ARGUMENT', `invalid run id ${JSON.stringify(query.runId)}`);
  const segments = query.pattern.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0 || segments.includes('..')) throw new CairnError('INVALID_ARGUMENT', `"${query.pattern}" is not a pattern inside the run`);
  const runDir = await realpath(join(root, query.runId)).catch(() => undefined);
  if (runDir === undefined) return [];
  let frontier = [''];
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const next: string[] = [];
    for (const dir of frontier) {
      const names = isPattern(segment)
        ? (await readdir(join(runDir, dir)).catch(() => [] as string[])).filter((n) => segmentMatcher(segment).test(n) && (!n.startsWith('.') || segment.startsWith('.')))
        : [segment];
      for (const name of names.sort()) {
        const rel = dir ? `${dir}/${name}` : name;
        const stats = await lstat(join(runDir, rel)).catch(() => undefined);
        if (!stats || stats.isSymbolicLink()) continue;
        if (last ? stats.isFile() || stats.isDirectory() : stats.isDirectory()) next.push(rel);
        if (next.length > query.limit) throw new CairnError('INVALID_ARGUMENT', `"${query.pattern}" matches more than ${query.limit} paths`);
      }
    }
    frontier = next;
  }
  return frontier;
}
