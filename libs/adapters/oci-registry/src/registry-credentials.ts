import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';
import { CairnError } from '@cairn/contracts';

/** Largest auth file read. */
export const MAX_AUTH_FILE_BYTES = 1024 * 1024;

/** A user name and password for one registry; the password never shows in JSON, inspect or String(). */
export class RegistryCredential {
  readonly #password: string;
  constructor(
    readonly username: string,
    password: string,
  ) {
    this.#password = password;
  }
  /** The Authorization header value for HTTP Basic. */
  basicAuthorization(): string {
    return `Basic ${Buffer.from(`${this.username}:${this.#password}`, 'utf8').toString('base64')}`;
  }
  /** Whether `text` contains the password (for specs that check nothing leaks). */
  secretIn(text: string): boolean {
    return this.#password.length > 0 && text.includes(this.#password);
  }
  toJSON(): { username: string } {
    return { username: this.username };
  }
  toString(): string {
    return `RegistryCredential(${this.username})`;
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * Credentials per registry, from a containers-auth.json. Keys are `host[:port]` or
 * `host[:port]/path` (a repository namespace); the longest key that covers a repository wins.
 */
export class RegistryCredentials {
  static readonly none = new RegistryCredentials(new Map());
  constructor(private readonly byKey: ReadonlyMap<string, RegistryCredential>) {}

  get size(): number {
    return this.byKey.size;
  }

  /** The credential for `repository` on `registry` (host[:port]), if any. */
  lookup(registry: string, repository: string): RegistryCredential | undefined {
    const hosts = registry === 'docker.io' ? ['docker.io', 'index.docker.io', 'registry-1.docker.io'] : [registry];
    for (const host of hosts) {
      const parts = repository.split('/');
      for (let n = parts.length; n >= 0; n--) {
        const key = n === 0 ? host : `${host}/${parts.slice(0, n).join('/')}`;
        const found = this.byKey.get(key);
        if (found) return found;
      }
    }
    return undefined;
  }
}

const fail = (code: 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION', message: string) => new CairnError(code, message);

/**
 * Reads a containers-auth.json (`{"auths":{"host:port":{"auth":"base64(user:password)"}}}`;
 * `username` + `password` also work). No path: no credentials. Refuses (naming the file and
 * the registry key, never a secret) a file group or others may read, a file that is not
 * regular or larger than 1 MiB, text that is not JSON, and an entry without a usable secret.
 */
export function loadRegistryCredentials(path: string | undefined): RegistryCredentials {
  if (!path) return RegistryCredentials.none;
  let mode: number;
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) throw fail('FAILED_PRECONDITION', `registry auth file ${path} is not a regular file`);
    mode = stats.mode & 0o777;
    size = stats.size;
  } catch (error) {
    if (error instanceof CairnError) throw error;
    throw fail('FAILED_PRECONDITION', `registry auth file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if ((mode & 0o077) !== 0) {
    throw fail(
      'FAILED_PRECONDITION',
      `registry auth file ${path} may be read by group or others (mode ${mode.toString(8).padStart(4, '0')}); make it readable by its owner only (chmod 0600)`,
    );
  }
  if (size > MAX_AUTH_FILE_BYTES) throw fail('INVALID_ARGUMENT', `registry auth file ${path} is larger than ${MAX_AUTH_FILE_BYTES} bytes`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fail('FAILED_PRECONDITION', `registry auth file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the text: never show it (it holds secrets).
    throw fail('INVALID_ARGUMENT', `registry auth file ${path} is not JSON`);
  }
  const auths = isRecord(document) ? document.auths : undefined;
  if (auths === undefined) return RegistryCredentials.none;
  if (!isRecord(auths)) throw fail('INVALID_ARGUMENT', `registry auth file ${path}: "auths" must be an object`);
  const byKey = new Map<string, RegistryCredential>();
  for (const [rawKey, entry] of Object.entries(auths)) {
    const key = normalKey(rawKey);
    const where = `registry auth file ${path}, entry ${JSON.stringify(key.slice(0, 200))}`;
    if (!isRecord(entry)) throw fail('INVALID_ARGUMENT', `${where}: must be an object`);
    byKey.set(key, credentialOf(entry, where));
  }
  return new RegistryCredentials(byKey);
}

function credentialOf(entry: Record<string, unknown>, where: string): RegistryCredential {
  if (typeof entry.auth === 'string' && entry.auth.length > 0) {
    const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(entry.auth) ? Buffer.from(entry.auth, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw fail('INVALID_ARGUMENT', `${where}: "auth" must be base64 of "user:password"`);
    return new RegistryCredential(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  if (typeof entry.username === 'string' && entry.username.length > 0 && typeof entry.password === 'string') {
    return new RegistryCredential(entry.username, entry.password);
  }
  throw fail('INVALID_ARGUMENT', `${where}: needs "auth" (base64 of "user:password") or "username" and "password"`);
}

/** "https://index.docker.io/v1/" → "index.docker.io"; "quay.io/org/" → "quay.io/org". */
function normalKey(key: string): string {
  return key
    .replace(/^https?:\/\//, '')
    .replace(/\/v[12]\/?$/, '')
    .replace(/\/+$/, '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
