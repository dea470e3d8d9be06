import { chmod, lchown, lstat, mkdir } from 'node:fs/promises';
import type { ProcessRepository } from '@cairn/adapters/process';
import type { JobUser } from './job-user';

/** Paths per `mkdir -p` run: bounded argument vectors, however many items an array has. */
/**
 * Bytes of paths one `mkdir -p` is given: far below Linux's 2 MiB for argv and environment
 * (ARG_MAX), so a 1,000-item step's directories take one process instead of four.
 */
const MKDIR_BATCH_BYTES = 256 * 1024;

/**
 * Who owns what on disk. The agent's own files (wrappers, launch files, attempt state) stay
 * the agent's and are never writable by jobs; what a job writes (its workspace, its
 * records and output, workflow runs) belongs to the job user. Directories inside trees a
 * job can write are created AS the job user, so a link a job plants there can never lead
 * the agent's privileges anywhere.
 */
export class JobFilesystem {
  constructor(
    readonly user: JobUser,
    private readonly processes: ProcessRepository,
  ) {}

  /**
   * Creates (or keeps) a directory the job writes, in a parent only the agent can write,
   * and hands it to the job user. A link or file in its place is refused.
   */
  async jobDir(path: string, mode = 0o700): Promise<void> {
    await mkdir(path, { mode }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    const stats = await lstat(path);
    if (stats.isSymbolicLink()) throw new Error(`${path} is a symbolic link, not a directory`);
    if (!stats.isDirectory()) throw new Error(`${path} exists and is not a directory`);
    if (this.user.switchUser && (stats.uid !== this.user.uid || stats.gid !== this.user.gid)) {
      // Only the agent's own new directory is handed over: one that another person already
      // owns (a run of theirs) is never given to this job's user.
      if (stats.uid !== this.user.uid && stats.uid !== process.getuid?.()) throw new Error(`${path} belongs to uid ${stats.uid}, not to ${this.user.name}`);
      await lchown(path, this.user.uid, this.user.gid);
    }
    await chmod(path, mode);
  }

  /** The same, for another user's jobs (a person's, see RunAsUsers). */
  forUser(user: JobUser): JobFilesystem {
    return user.uid === this.user.uid && user.gid === this.user.gid ? this : new JobFilesystem(user, this.processes);
  }

  /**
   * Creates directories (with their parents) inside a job's tree, as the job user: with
   * `setpriv` when the agent is root, directly when the agent is the job user.
   */
  async mkdirsAsJob(paths: readonly string[]): Promise<void> {
    if (!this.user.switchUser) {
      for (const path of paths) await mkdir(path, { recursive: true });
      return;
    }
    for (const batch of byteBatches(paths, MKDIR_BATCH_BYTES)) {
      await this.processes.check('setpriv', [`--reuid=${this.user.uid}`, `--regid=${this.user.gid}`, '--clear-groups', '--', 'mkdir', '-p', '--', ...batch], {
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
        timeoutMs: 60_000,
      });
    }
  }
}

/** The agent's own directory: created if missing, and made not writable by anyone else when the agent owns it. */
export async function agentDir(path: string, mode = 0o755): Promise<void> {
  await mkdir(path, { recursive: true, mode });
  const stats = await lstat(path);
  if (!stats.isDirectory()) throw new Error(`${path} is not a directory`);
  if (stats.uid === process.getuid?.()) await chmod(path, mode);
}

/** `items` in order, cut into runs of at most `maxBytes` (each item's bytes and its NUL); an item longer than that goes alone. */
export function byteBatches(items: readonly string[], maxBytes: number): string[][] {
  const batches: string[][] = [];
  let batch: string[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(item) + 1;
    if (batch.length > 0 && bytes + size > maxBytes) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
