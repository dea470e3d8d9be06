import { lstat, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError, excerpt, globSegmentMatcher, isGlobPattern, type RunGlobQuery, UUID_PATTERN } from '@cairn/contracts';


/**
 * Lists the files and directories of a run (<root>/<run id>/...) that match a glob. Only
 * real directories are descended and only real files and directories are returned: a
 * symbolic link is never followed, so nothing outside the run is listed.
 */
export async function globRun(root: string, query: RunGlobQuery): Promise<string[]> {
  if (!UUID_PATTERN.test(query.runId)) throw new CairnError('INVALID_ARGUMENT', `invalid run id ${excerpt(query.runId)}`);
  const segments = query.pattern.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0 || segments.includes('..')) throw new CairnError('INVALID_ARGUMENT', `${excerpt(query.pattern)} is not a pattern inside the run`);
  const runDir = await realpath(join(root, query.runId)).catch(() => undefined);
  if (runDir === undefined) return [];
  // Every segment is parsed before any directory is read: a malformed one changes nothing.
  const matchers = segments.map((segment) => (isGlobPattern(segment) ? globSegmentMatcher(segment) : undefined));
  let frontier = [''];
  for (const [index, segment] of segments.entries()) {
    const last = index === segments.length - 1;
    const next: string[] = [];
    const matches = matchers[index];
    for (const dir of frontier) {
      // Matched in time linear in each name (no regular expression, no backtracking).
      const names = matches
        ? (await readdir(join(runDir, dir)).catch(() => [] as string[])).filter((n) => matches(n) && (!n.startsWith('.') || segment.startsWith('.')))
        : [segment];
      for (const name of names.sort()) {
        const rel = dir ? `${dir}/${name}` : name;
        const stats = await lstat(join(runDir, rel)).catch(() => undefined);
        if (!stats || stats.isSymbolicLink()) continue;
        if (last ? stats.isFile() || stats.isDirectory() : stats.isDirectory()) next.push(rel);
        if (next.length > query.limit) throw new CairnError('INVALID_ARGUMENT', `${excerpt(query.pattern)} matches more than ${query.limit} paths`);
      }
    }
    frontier = next;
  }
  return frontier;
}
