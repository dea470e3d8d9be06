import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { readPrivateFile } from './private-file';

/** What `cairn login` keeps: the tokens of one issuer and client. */
export interface CachedTokens {
  issuer: string;
  clientId: string;
  accessToken: string;
  /** Absent when the provider issued none (then the login ends with the access token). */
  refreshToken?: string;
  /** When the access token expires, epoch milliseconds. */
  expiresAt: number;
}

const cachedTokens = z
  .object({
    issuer: z.string().min(1),
    clientId: z.string().min(1),
    accessToken: z.string().min(1),
    refreshToken: z.string().min(1).optional(),
    expiresAt: z.number().int().nonnegative(),
  })
  .strict();

/** Largest token cache read (a few tokens); anything bigger is not ours. */
export const MAX_TOKEN_CACHE_BYTES = 64 * 1024;
/** The cache file's name in the CLI's config directory. */
export const TOKEN_CACHE_FILE = 'tokens.json';

/** The cache cannot be used (unsafe or unreadable): the message says why and what to do. */
export class TokenCacheError extends Error {
  override readonly name = 'TokenCacheError';
}

/**
 * The token cache: `<dir>/tokens.json`, the directory 0700 and the file 0600, both the
 * user's own. Written atomically (a new 0600 file renamed over the old one), read only
 * when it is a regular file (never through a symbolic link) that the user owns and no one
 * else may read or write. Never logs or echoes a token.
 */
export class TokenCache {
  readonly file: string;

  constructor(
    readonly dir: string,
    private readonly uid: number = process.getuid?.() ?? -1,
  ) {
    this.file = join(dir, TOKEN_CACHE_FILE);
  }

  /** The cached tokens, or undefined when there is no cache. Throws TokenCacheError when it is unsafe or damaged. */
  read(): CachedTokens | undefined {
    const text = this.readText(true);
    if (text === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new TokenCacheError(`the token cache ${this.file} is damaged (not JSON): run \`cairn login\` again`);
    }
    const result = cachedTokens.safeParse(parsed);
    if (!result.success) throw new TokenCacheError(`the token cache ${this.file} is damaged (not a token cache): run \`cairn login\` again`);
    const { refreshToken, ...rest } = result.data;
    return refreshToken === undefined ? rest : { ...rest, refreshToken };
  }

  /**
   * The cached tokens for `cairn logout`, which revokes them: like read, but a file others
   * may read is still read (its tokens may have leaked: all the more reason to revoke them);
   * it must still be the user's own regular file. Undefined when missing or damaged.
   */
  readForRevocation(): CachedTokens | undefined {
    try {
      const text = this.readText(false);
      if (text === undefined) return undefined;
      const result = cachedTokens.safeParse(JSON.parse(text));
      return result.success ? { ...result.data } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Replaces the cache atomically; creates the directory (0700) if needed. */
  write(tokens: CachedTokens): void {
    this.ensureDir();
    const temp = join(this.dir, `.${TOKEN_CACHE_FILE}.${process.pid}.${randomBytes(6).toString('hex')}`);
    // O_EXCL: never through a file or link someone else put there; 0600 from the first byte.
    const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      try {
        writeSync(fd, JSON.stringify(tokens));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.file);
    } catch (error) {
      try {
        unlinkSync(temp);
      } catch {
        // already gone
      }
      throw error;
    }
    const dirFd = openSync(this.dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }

  /** Deletes the cache; true when there was one. */
  remove(): boolean {
    try {
      unlinkSync(this.file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /**
   * Runs `fn` holding the cache's lock (`tokens.json.lock`, created exclusively), so two
   * `cairn` commands never use one refresh token twice (a provider that rotates refresh
   * tokens may end the whole session when one is reused). A lock older than `staleMs`
   * (a command that died holding it) is taken over.
   */
  async withLock<T>(fn: () => Promise<T>, options: { waitMs?: number; staleMs?: number; pollMs?: number } = {}): Promise<T> {
    const { waitMs = 30_000, staleMs = 60_000, pollMs = 100 } = options;
    this.ensureDir();
    const lock = `${this.file}.lock`;
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        closeSync(openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const age = lockAge(lock);
      if (age !== undefined && age > staleMs) {
        removeQuietly(lock);
        continue;
      }
      if (Date.now() > deadline) throw new TokenCacheError(`another cairn command holds ${lock}; if none is running, delete that file`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    try {
      return await fn();
    } finally {
      removeQuietly(lock);
    }
  }

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const stats = lstatSync(this.dir);
    if (!stats.isDirectory()) throw new TokenCacheError(`${this.dir} is not a directory (a symbolic link?): the token cache needs a directory of your own`);
    if (this.uid >= 0 && stats.uid !== this.uid) throw new TokenCacheError(`${this.dir} belongs to uid ${stats.uid}, not to you: the token cache needs a directory of your own`);
    // Ours but open to others (a config directory made by hand): close it.
    if ((stats.mode & 0o077) !== 0) chmodSync(this.dir, 0o700);
  }

  /** The cache file's text (undefined when missing), after the safety checks. */
  private readText(strict: boolean): string | undefined {
    return readPrivateFile(this.file, {
      what: 'the token cache',
      remedy: 'delete it and run `cairn login`',
      exposedRemedy: 'its tokens may have leaked: run `cairn logout` (revokes them), then `cairn login`',
      uid: this.uid,
      maxBytes: MAX_TOKEN_CACHE_BYTES,
      allowExposed: !strict,
      fail: (message) => new TokenCacheError(message),
    });
  }
}

function lockAge(lock: string): number | undefined {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return undefined;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already
  }
}
