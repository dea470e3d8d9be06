import { constants } from 'node:fs';
import { lstat, open, readlink, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, sep } from 'node:path';
import { CairnError, PAGE_BYTES, type RunFileQuery, UUID_PATTERN } from '@cairn/contracts';

const ESCAPES = 'path escapes the run directory';

export interface RunFile {
  exists: boolean;
  /** At most PAGE_BYTES from the query's offset. */
  dataBase64: string;
  /** The file is larger than the query's maxBytes. */
  truncated: boolean;
  /** The file's size when read, so the caller knows how many pages to ask for. */
  size?: number;
}

/**
 * Reads files of workflow runs (<root>/<run id>/...) for the scheduler, e.g. a loop's
 * metrics file. Jobs write these directories, so a path may lead through symbolic links:
 * the file's real path (every link followed) must stay inside the run directory, checked
 * again on the opened file. A missing file or run is an answer (exists: false), not an error.
 */
export class RunFiles {
  constructor(readonly root: string) {}

  async read(query: RunFileQuery): Promise<RunFile> {
    const { runId, path, maxBytes } = query;
    if (!UUID_PATTERN.test(runId)) throw new CairnError('INVALID_ARGUMENT', `invalid run id ${JSON.stringify(runId)}`);
    if (path === '' || isAbsolute(path) || path.split('/').includes('..')) {
      throw new CairnError('INVALID_ARGUMENT', `${JSON.stringify(path)} is not a relative path inside the run`);
    }
    const missing: RunFile = { exists: false, dataBase64: '', truncated: false };
    const runDir = await realpath(join(this.root, runId)).catch(ifMissing(undefined));
    if (runDir === undefined) return missing;
    const resolved = await resolveInside(runDir, path);
    if (resolved === undefined) return missing;
    // The same question asked of the kernel, for the case the two ever disagree.
    const real = await realpath(resolved).catch(ifMissing(undefined));
    if (real === undefined) return missing;
    if (!inside(runDir, real)) throw new CairnError('INVALID_ARGUMENT', ESCAPES);
    const stats = await stat(real);
    if (stats.isDirectory()) throw new CairnError('INVALID_ARGUMENT', `${path} is a directory`);
    if (!stats.isFile()) throw new CairnError('INVALID_ARGUMENT', `${path} is not a regular file`);
    // O_NONBLOCK: a FIFO swapped in after the check must not hang the agent.
    const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(ifMissing(undefined));
    if (!handle) return missing;
    try {
      // The real path of what was opened, in case a directory was swapped for a link meanwhile.
      const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => real);
      if (!inside(runDir, opened)) throw new CairnError('INVALID_ARGUMENT', ESCAPES);
      const openedStats = await handle.stat();
      if (!openedStats.isFile()) throw new CairnError('INVALID_ARGUMENT', `${path} is not a regular file`);
      // One page: at most PAGE_BYTES from `offset`, never past maxBytes (bounded memory, and a reply that fits a message).
      const offset = Math.min(query.offset ?? 0, maxBytes);
      const buffer = Buffer.alloc(Math.min(PAGE_BYTES, maxBytes - offset));
      let length = 0;
      while (length < buffer.length) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, offset + length);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      const size = Math.max(openedStats.size, offset + length);
      return { exists: true, dataBase64: buffer.subarray(0, length).toString('base64'), truncated: size > maxBytes, size };
    } finally {
      await handle.close();
    }
  }
}

const MAX_LINKS = 40;

/**
 * Resolves `path` below `runDir` (a real path) the way the kernel would, following every
 * symbolic link, but refuses as soon as a step would leave the run: a link's target is
 * judged by where it points, before anything there is looked at. So a link out of the run
 * is refused whether or not its target exists, and nothing outside the run is ever touched
 * (no answer tells which files exist elsewhere). Undefined when the path does not exist.
 */
export async function resolveInside(runDir: string, path: string): Promise<string | undefined> {
  const pending = path.split('/');
  let current = runDir;
  let links = 0;
  while (pending.length > 0) {
    const segment = pending.shift() as string;
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      current = dirname(current);
      if (!inside(runDir, current)) throw new CairnError('INVALID_ARGUMENT', ESCAPES);
      continue;
    }
    const next = join(current, segment);
    const stats = await lstat(next).catch(ifMissing(undefined));
    if (stats === undefined) return undefined;
    if (!stats.isSymbolicLink()) {
      if (!stats.isDirectory() && pending.some((s) => s !== '' && s !== '.')) return undefined; // a file used as a directory
      current = next;
      continue;
    }
    links += 1;
    if (links > MAX_LINKS) throw new CairnError('INVALID_ARGUMENT', `too many symbolic links in ${path}`);
    const target = await readlink(next);
    if (isAbsolute(target)) {
      // Only a link that names the run's own (real) host path stays inside; the rest of it
      // is walked like any path, ".." included. (A link written in the container, to
      // /cairn/run/..., names no host path inside the run.)
      if (target !== runDir && !target.startsWith(`${runDir}/`)) throw new CairnError('INVALID_ARGUMENT', ESCAPES);
      current = runDir;
      pending.unshift(...target.slice(runDir.length).split('/'));
    } else {
      pending.unshift(...target.split('/'));
    }
  }
  return current;
}

function inside(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);
}

/** For .catch: a path that does not exist (or runs through a file) gives `fallback`. */
function ifMissing<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fallback;
    throw error;
  };
}
