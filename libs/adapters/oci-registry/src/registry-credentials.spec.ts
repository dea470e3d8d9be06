import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { CairnError } from '@cairn/contracts';
import { loadRegistryCredentials } from './registry-credentials';

const SECRET = 's3cr3t-Pa55:with-colon';
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('loadRegistryCredentials (containers-auth.json)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-auth-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function file(content: string, mode = 0o600): string {
    const path = join(dir, 'auth.json');
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  }

  /** The CairnError loading threw; checks it names no secret. */
  function refusal(path: string): CairnError {
    try {
      loadRegistryCredentials(path);
    } catch (error) {
      const e = error as CairnError;
      expect(e.name).toBe('CairnError');
      expect(e.message).not.toContain(SECRET);
      expect(e.message).not.toContain(b64(`alice:${SECRET}`));
      return e;
    }
    throw new Error('loaded');
  }

  it('reads "auth" (base64 of user:password, the password may hold ":") and username/password entries', () => {
    const creds = loadRegistryCredentials(
      file(JSON.stringify({ auths: { '127.0.0.1:5001': { auth: b64(`alice:${SECRET}`) }, 'ghcr.io/lab': { username: 'bob', password: 'pw' } } })),
    );
    expect(creds.size).toBe(2);
    expect(creds.lookup('127.0.0.1:5001', 'lab/busybox')?.basicAuthorization()).toBe(`Basic ${b64(`alice:${SECRET}`)}`);
    expect(creds.lookup('ghcr.io', 'lab/model')?.username).toBe('bob');
    expect(creds.lookup('ghcr.io', 'other/model')).toBeUndefined();
    expect(creds.lookup('127.0.0.1:5002', 'lab/busybox')).toBeUndefined();
  });

  it('finds Docker Hub credentials under any of its usual keys, and the longest namespace first', () => {
    const creds = loadRegistryCredentials(
      file(JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:x') }, 'quay.io': { auth: b64('q:1') }, 'quay.io/a/b': { auth: b64('qab:2') } } })),
    );
    expect(creds.lookup('docker.io', 'library/busybox')?.username).toBe('hub');
    expect(creds.lookup('quay.io', 'a/b')?.username).toBe('qab');
    expect(creds.lookup('quay.io', 'a/bc')?.username).toBe('q');
  });

  it('gives no credentials for no path or a file without "auths"', () => {
    expect(loadRegistryCredentials(undefined).size).toBe(0);
    expect(loadRegistryCredentials(file('{}')).size).toBe(0);
  });

  it.each([0o640, 0o604, 0o644, 0o660])('refuses a file of mode %o (group or others may read it), naming file and mode', (mode) => {
    const path = file(JSON.stringify({ auths: { a: { auth: b64(`alice:${SECRET}`) } } }), mode);
    const error = refusal(path);
    expect(error.code).toBe('FAILED_PRECONDITION');
    expect(error.message).toBe(
      `registry auth file ${path} may be read by group or others (mode ${mode.toString(8).padStart(4, '0')}); make it readable by its owner only (chmod 0600)`,
    );
  });

  it('refuses a missing file and a directory', () => {
    expect(refusal(join(dir, 'nope.json')).message).toBe(`registry auth file ${join(dir, 'nope.json')} cannot be read: ENOENT`);
    const sub = join(dir, 'sub');
    mkdirSync(sub, { mode: 0o700 });
    expect(refusal(sub).message).toBe(`registry auth file ${sub} is not a regular file`);
  });

  it('refuses text that is not JSON without quoting it (it holds secrets)', () => {
    const path = file(`{"auths":{"a":{"auth":"${b64(`alice:${SECRET}`)}"}},${SECRET}`);
    const error = refusal(path);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe(`registry auth file ${path} is not JSON`);
  });

  it.each([
    [{ auths: [] }, '"auths" must be an object'],
    [{ auths: { 'r.io': 'x' } }, 'entry "r.io": must be an object'],
    [{ auths: { 'r.io': { auth: b64(SECRET.replace(/:/g, '')) } } }, 'entry "r.io": "auth" must be base64 of "user:password"'],
    [{ auths: { 'r.io': { auth: `${SECRET}!` } } }, 'entry "r.io": "auth" must be base64 of "user:password"'],
    [{ auths: { 'r.io': { password: SECRET } } }, 'entry "r.io": needs "auth" (base64 of "user:password") or "username" and "password"'],
  ])('refuses %j naming the entry, never the secret', (document, problem) => {
    const path = file(JSON.stringify(document));
    const error = refusal(path);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message.endsWith(problem)).toBe(true);
  });

  it('never shows a password in JSON, String() or inspect', () => {
    const cred = loadRegistryCredentials(file(JSON.stringify({ auths: { 'r.io': { auth: b64(`alice:${SECRET}`) } } }))).lookup('r.io', 'x');
    expect(cred).toBeDefined();
    for (const text of [JSON.stringify(cred), String(cred), inspect(cred), inspect({ cred }, { depth: 5, showHidden: true })]) {
      expect(text).not.toContain(SECRET);
    }
    expect(cred?.secretIn(`...${SECRET}...`)).toBe(true);
  });

  it('reads a file of exactly the limit and refuses one byte more', () => {
    const head = JSON.stringify({ auths: { 'r.io': { auth: b64('u:p') } } });
    const at = head + ' '.repeat(1024 * 1024 - head.length);
    expect(loadRegistryCredentials(file(at)).size).toBe(1);
    expect(refusal(file(`${at} `)).message).toMatch(/is larger than 1048576 bytes$/);
  });
});
