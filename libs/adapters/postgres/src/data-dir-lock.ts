import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, realpathSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';

/** Who holds an embedded data directory, as its lock file records it. */
export interface LockHolder {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22): tells a reused pid apart. */
  startTicks: string;
  /** When it took the lock (ISO 8601). */
  since: string;
}

export interface DataDirLock {
  /** The lock file, next to the data directory: `<dir>.lock`. */
  file: string;
  /** A holder left by a process that is gone, cleared when this lock was taken. */
  clearedStale?: LockHolder;
  /** Gives the directory up (after the database is closed). Idempotent. */
  release(): Promise<void>;
}

/** A live process holds the directory: the start is refused with one line naming it. */
export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

/**
 * Takes the embedded database directory `dir` for this process, or refuses.
 *
 * Two locks, both taken before PGlite opens anything:
 * 1. An abstract Unix socket named after the directory's device and inode: binding it is
 *    atomic, only one process on this host can hold it, and the kernel frees it when the
 *    process ends in any way (kill -9 included). It serialises everything below.
 * 2. The lock file `<dir>.lock` with the holder's pid, host, start ticks and time, created
 *    with link() (atomic, never over an existing file). It names the holder in refusals,
 *    and catches a holder the socket cannot see (another host on a shared filesystem, or
 *    another network namespace). A file whose process is gone (pid not running, or running
 *    with another start time) is stale and is cleared; holding the socket guarantees no
 *    other process on this host is clearing or taking it at the same moment.
 */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  mkdirSync(dir, { recursive: true });
  const real = realpathSync(dir);
  const file = join(dirname(real), `${basename(real)}.lock`);
  const { dev, ino } = statSync(real);
  const socketName = `\0cairn-pglite-${createHash('sha256').update(`${dev}:${ino}`).digest('hex').slice(0, 40)}`;

  const server = createServer((connection) => connection.destroy());
  try {
    await listen(server, socketName);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const holder = readHolder(file);
    throw locked(real, holder && isAlive(holder) ? holder : undefined, 'another process on this host holds it');
  }
  server.unref();
  const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));

  let clearedStale: LockHolder | undefined;
  try {
    const me = selfHolder();
    for (let tries = 0; ; tries += 1) {
      if (createExclusive(file, me)) break;
      const holder = readHolder(file);
      if (holder && holder.host !== me.host) {
        throw locked(real, holder, `it cannot be checked from ${me.host}; if that process is gone, remove ${file}`);
      }
      if (holder && isAlive(holder)) throw locked(real, holder, 'it runs in another network namespace of this host');
      if (tries > 0) throw new Error(`cannot take the lock ${file}: it keeps reappearing`);
      clearedStale = holder;
      unlinkSync(file);
    }
  } catch (error) {
    await closeServer();
    throw error;
  }

  let released = false;
  return {
    file,
    ...(clearedStale ? { clearedStale } : {}),
    release: async () => {
      if (released) return;
      released = true;
      const holder = readHolder(file);
      if (holder && holder.pid === process.pid && holder.host === hostname()) unlinkSync(file);
      await closeServer();
    },
  };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function locked(dir: string, holder: LockHolder | undefined, detail: string): DataDirLockedError {
  const who = holder ? `pid ${holder.pid} on ${holder.host}, started ${holder.since}` : 'a process its lock file does not name yet';
  return new DataDirLockedError(`embedded database ${dir} is in use by ${who} (${detail}); a data directory takes one process at a time`);
}

function selfHolder(): LockHolder {
  const startTicks = startTicksOf(process.pid);
  if (!startTicks) throw new Error(`cannot read /proc/${process.pid}/stat: the embedded database's lock needs Linux /proc`);
  return { pid: process.pid, host: hostname(), startTicks, since: new Date().toISOString() };
}

/** Field 22 of /proc/<pid>/stat (starttime); the command name before it may hold spaces and parentheses. */
export function startTicksOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is at index 0, so field 22 is at index 19.
  const ticks = fields[19];
  return ticks && /^[0-9]+$/.test(ticks) ? ticks : undefined;
}

function isAlive(holder: LockHolder): boolean {
  return startTicksOf(holder.pid) === holder.startTicks;
}

/** Writes the holder to a private file, then links it into place: the lock file appears whole, or not at all. */
function createExclusive(file: string, holder: LockHolder): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
  fsyncDir(dirname(file));
  return true;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The holder a lock file names; undefined when it is absent or not a holder record (a torn write is stale). */
function readHolder(file: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { pid, host, startTicks, since } = value as Record<string, unknown>;
    if (typeof pid !== 'number' || typeof host !== 'string' || typeof startTicks !== 'string' || typeof since !== 'string') return undefined;
    return { pid, host, startTicks, since };
  } catch {
    return undefined;
  }
}
