import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CachedTokens, MAX_TOKEN_CACHE_BYTES, TokenCache, TokenCacheError } from './token-cache';

const tokens: CachedTokens = { issuer: 'http://127.0.0.1:5556', clientId: 'cairn-cli', accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: 1_700_000_000_000 };
const me = process.getuid?.() ?? 0;
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('TokenCache [real: the filesystem]', () => {
  let base: string;
  let dir: string;

  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'cairn-cache-'));
    dir = join(base, 'config', 'cairn');
  });

  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('creates the directory 0700 and the file 0600 whatever the umask, and reads back what it wrote', () => {
    const old = process.umask(0);
    try {
      new TokenCache(dir).write(tokens);
    } finally {
      process.umask(old);
    }
    expect(mode(dir)).toBe('700');
    expect(mode(join(dir, 'tokens.json'))).toBe('600');
    expect(new TokenCache(dir).read()).toEqual(tokens);
    const { refreshToken, ...withoutRefresh } = tokens;
    expect(refreshToken).toBe('rt-1');
    new TokenCache(dir).write(withoutRefresh);
    expect(new TokenCache(dir).read()).toEqual(withoutRefresh);
  });

  it('replaces the file atomically (a new file renamed over the old one) and leaves no temporary file', () => {
    const cache = new TokenCache(dir);
    cache.write(tokens);
    const before = statSync(cache.file).ino;
    cache.write({ ...tokens, accessToken: 'at-2' });
    expect(statSync(cache.file).ino).not.toBe(before);
    expect(readdirSync(dir)).toEqual(['tokens.json']);
    expect(JSON.parse(readFileSync(cache.file, 'utf8'))).toMatchObject({ accessToken: 'at-2' });
  });

  it('closes a config directory of its own that others could enter, and refuses one that is not the user\u2019s', () => {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o777);
    new TokenCache(dir).write(tokens);
    expect(mode(dir)).toBe('700');
    const others = join(base, 'others');
    mkdirSync(others, { mode: 0o700 });
    expect(() => new TokenCache(others, me + 1).write(tokens)).toThrow(/belongs to uid \d+, not to you/);
    const link = join(base, 'link');
    symlinkSync(dir, link);
    expect(() => new TokenCache(link).write(tokens)).toThrow('is not a directory (a symbolic link?)');
  });

  it('refuses a cache others may read or write, naming the mode and what to do', () => {
    const cache = new TokenCache(dir);
    for (const unsafe of [0o640, 0o604, 0o620, 0o602, 0o660, 0o644]) {
      cache.write(tokens);
      chmodSync(cache.file, unsafe);
      expect(() => cache.read()).toThrow(TokenCacheError);
      expect(() => cache.read()).toThrow(`others may read or change it (mode 0${unsafe.toString(8)}); its tokens may have leaked: run \`cairn logout\``);
      // logout still reads it, to revoke what may have leaked
      expect(cache.readForRevocation()).toEqual(tokens);
    }
    chmodSync(cache.file, 0o400);
    expect(cache.read()).toEqual(tokens);
  });

  it('refuses a cache that is not the user\u2019s own regular file: another owner, a symbolic link, a directory', () => {
    const cache = new TokenCache(dir);
    cache.write(tokens);
    expect(() => new TokenCache(dir, me + 1).read()).toThrow(/belongs to uid \d+, not to you/);
    expect(new TokenCache(dir, me + 1).readForRevocation()).toBeUndefined();
    if (me === 0) {
      chownSync(cache.file, 1, 1);
      expect(() => cache.read()).toThrow('belongs to uid 1, not to you');
      chownSync(cache.file, 0, 0);
    }
    const target = join(base, 'elsewhere.json');
    writeFileSync(target, JSON.stringify(tokens), { mode: 0o600 });
    rmSync(cache.file);
    symlinkSync(target, cache.file);
    expect(() => cache.read()).toThrow('it is a symbolic link');
    rmSync(cache.file);
    mkdirSync(cache.file);
    expect(() => cache.read()).toThrow('it is not a regular file');
  });

  it('refuses a damaged or oversized cache, and reports no cache as undefined', () => {
    const cache = new TokenCache(dir);
    expect(cache.read()).toBeUndefined();
    expect(cache.readForRevocation()).toBeUndefined();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(cache.file, '{not json', { mode: 0o600 });
    expect(() => cache.read()).toThrow('is damaged (not JSON)');
    writeFileSync(cache.file, JSON.stringify({ ...tokens, extra: 1 }), { mode: 0o600 });
    expect(() => cache.read()).toThrow('is damaged (not a token cache)');
    writeFileSync(cache.file, JSON.stringify({ ...tokens, accessToken: 'a'.repeat(MAX_TOKEN_CACHE_BYTES) }), { mode: 0o600 });
    expect(() => cache.read()).toThrow(`larger than ${MAX_TOKEN_CACHE_BYTES} bytes`);
    // exactly at the limit it is read
    const at = JSON.stringify({ ...tokens, accessToken: '' });
    writeFileSync(cache.file, JSON.stringify({ ...tokens, accessToken: 'a'.repeat(MAX_TOKEN_CACHE_BYTES - at.length) }), { mode: 0o600 });
    expect(statSync(cache.file).size).toBe(MAX_TOKEN_CACHE_BYTES);
    expect(cache.read()?.accessToken).toHaveLength(MAX_TOKEN_CACHE_BYTES - at.length);
  });

  it('never puts a token in its error messages', () => {
    const cache = new TokenCache(dir);
    const secret = 'eyJzZWNyZXQiOiJ0b2tlbiJ9';
    cache.write({ ...tokens, accessToken: secret, refreshToken: secret });
    chmodSync(cache.file, 0o644);
    expect(() => cache.read()).toThrow(TokenCacheError);
    try {
      cache.read();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('removes the cache (true) or says there was none (false)', () => {
    const cache = new TokenCache(dir);
    cache.write(tokens);
    expect(cache.remove()).toBe(true);
    expect(cache.remove()).toBe(false);
    expect(lstatSync(dir).isDirectory()).toBe(true);
  });

  it('runs one holder of the lock at a time, and takes over a stale lock', async () => {
    const cache = new TokenCache(dir);
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = cache.withLock(async () => {
      order.push('first in');
      await new Promise<void>((resolve) => (release = resolve));
      order.push('first out');
    });
    const second = cache.withLock(async () => {
      order.push('second in');
    }, { pollMs: 5 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(order).toEqual(['first in']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first in', 'first out', 'second in']);
    expect(readdirSync(dir)).toEqual([]);

    // A lock left by a command that died: older than staleMs, taken over.
    writeFileSync(`${cache.file}.lock`, '', { mode: 0o600 });
    const old = new Date(Date.now() - 120_000);
    utimesSync(`${cache.file}.lock`, old, old);
    await expect(cache.withLock(async () => 'ran')).resolves.toBe('ran');
    // A fresh lock held too long: a clear error.
    writeFileSync(`${cache.file}.lock`, '', { mode: 0o600 });
    await expect(cache.withLock(async () => 'ran', { waitMs: 0, pollMs: 1 })).rejects.toThrow('another cairn command holds');
  });
});
