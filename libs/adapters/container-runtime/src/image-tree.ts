import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The mode a directory image's entry gets (ADR 0021): what a job may do with it, whoever the
 * image said owned it. Directories 0755, files 0755 when the image made them executable for
 * anyone and 0644 otherwise: every job reads the whole image (as it reads all of a SquashFS
 * image squashfuse mounts for it), nobody but the agent writes it (a world-writable /tmp of
 * the image too), and no set-user-id, set-group-id or sticky bit survives (the tree lies on
 * the host, where a set-user-id file of the agent's would run as the agent).
 */
export function sealedMode(mode: number, directory: boolean): number {
  if (directory) return 0o755;
  return mode & 0o111 ? 0o755 : 0o644;
}

/**
 * Seals an unpacked image (sealedMode on `root` and everything below it but symbolic links,
 * which are left as they are and never followed) and returns its size: the bytes of its
 * regular files, each counted once however many links it has.
 */
export async function sealImageTree(root: string): Promise<number> {
  return walk(root, async (path, directory, mode) => {
    const sealed = sealedMode(mode, directory);
    if ((mode & 0o7777) !== sealed) await chmod(path, sealed);
  });
}

/** The bytes of the regular files below `root` (each counted once), as sealImageTree counts them. */
export function imageTreeBytes(root: string): Promise<number> {
  return walk(root, () => Promise.resolve());
}

async function walk(root: string, visit: (path: string, directory: boolean, mode: number) => Promise<void>): Promise<number> {
  const seen = new Set<string>();
  let bytes = 0;
  const pending = [root];
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    const found = await lstat(path);
    if (found.isSymbolicLink()) continue;
    const directory = found.isDirectory();
    // A directory is made traversable before it is read (an image may ship one closed).
    await visit(path, directory, found.mode);
    if (directory) {
      for (const name of await readdir(path)) pending.push(join(path, name));
    } else if (found.isFile()) {
      const inode = `${found.dev}:${found.ino}`;
      if (!seen.has(inode)) bytes += found.size;
      seen.add(inode);
    }
  }
  return bytes;
}
