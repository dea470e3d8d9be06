import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** How to name a private file in a refusal, and what the person should do. */
export interface PrivateFileRules {
  /** e.g. "the token cache". */
  what: string;
  /** What to do about a file that is not the person's own regular file. */
  remedy: string;
  /** What to do about a file others may read or change. */
  exposedRemedy: string;
  /** The person's uid (-1: not checked, where there are no uids). */
  uid: number;
  maxBytes: number;
  /** Read even when others may read it (to revoke what may have leaked). */
  allowExposed?: boolean;
  fail: (message: string) => Error;
}

const modeOf = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * The text of a file holding a credential (token cache, token file, client secret), or
 * undefined when there is none. Refuses, with what to do, a symbolic link, anything but a
 * regular file, a file of another user, one that others may read or change, and one over
 * `maxBytes`. Checks the open file itself (fstat), so it cannot be swapped between check
 * and read. Never puts the content in a message.
 */
export function readPrivateFile(file: string, rules: PrivateFileRules): string | undefined {
  const refuse = (why: string, remedy = rules.remedy) => rules.fail(`refusing ${rules.what} ${file}: ${why}; ${remedy}`);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw refuse('it is a symbolic link');
    throw rules.fail(`cannot read ${rules.what} ${file}: ${code ?? 'error'}`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw refuse('it is not a regular file');
    if (rules.uid >= 0 && stats.uid !== rules.uid) throw refuse(`it belongs to uid ${stats.uid}, not to you`);
    if (!rules.allowExposed && (stats.mode & 0o077) !== 0) throw refuse(`others may read or change it (mode ${modeOf(stats.mode)})`, rules.exposedRemedy);
    const tooBig = () => rules.fail(`refusing ${rules.what} ${file}: larger than ${rules.maxBytes} bytes`);
    if (stats.size > rules.maxBytes) throw tooBig();
    const buffer = Buffer.alloc(rules.maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > rules.maxBytes) throw tooBig();
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
