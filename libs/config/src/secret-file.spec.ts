import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { commonSettings, natsConnectSettings } from './common-settings';
import { ConfigError } from './config.errors';
import { loadConfig } from './load-config';
import { MAX_SECRET_FILE_BYTES, readSecretFile } from './secret-file';

describe('readSecretFile and CAIRN_NATS_PASSWORD_FILE', () => {
  let dir: string;
  let n = 0;
  const file = (content: string, mode: number) => {
    const path = join(dir, `secret-${n++}`);
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'secret-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file only its owner (and group) may read, trimmed', () => {
    expect(readSecretFile('X', file('s3cret-value\n', 0o600))).toBe('s3cret-value');
    expect(readSecretFile('X', file('  s3cret-value  ', 0o400))).toBe('s3cret-value');
    expect(readSecretFile('X', file('s3cret-value', 0o640))).toBe('s3cret-value');
  });

  it('refuses a file anyone may read, a missing one, a directory, an empty one and one over the size limit, naming the setting', () => {
    const world = file('s3cret-value', 0o644);
    expect(() => readSecretFile('CAIRN_NATS_PASSWORD_FILE', world)).toThrow(new ConfigError(`CAIRN_NATS_PASSWORD_FILE: ${world} may be read by anyone (mode 0644); make it readable by its owner only (chmod 0600)`));
    expect(() => readSecretFile('S', join(dir, 'missing'))).toThrow(/^S: cannot read .*missing: ENOENT$/);
    const sub = join(dir, 'sub');
    mkdirSync(sub, { mode: 0o700 });
    expect(() => readSecretFile('S', sub)).toThrow(/is not a regular file/);
    expect(() => readSecretFile('S', file(' \n', 0o600))).toThrow(/is empty/);
    expect(readSecretFile('S', file('x'.repeat(MAX_SECRET_FILE_BYTES), 0o600))).toHaveLength(MAX_SECRET_FILE_BYTES);
    expect(() => readSecretFile('S', file('x'.repeat(MAX_SECRET_FILE_BYTES + 1), 0o600))).toThrow(`is larger than ${MAX_SECRET_FILE_BYTES} bytes`);
  });

  it('never puts the secret in its refusal, whatever the secret and the mode others have', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 64 }).filter((s) => s.trim().length >= 8), fc.integer({ min: 1, max: 7 }), (secret, other) => {
        const path = file(secret, 0o600 | other);
        let message = '';
        try {
          readSecretFile('S', path);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).toMatch(/may be read by anyone/);
        expect(message).not.toContain(secret.trim());
      }),
      { numRuns: 50 },
    );
  });

  it('natsConnectSettings: the password from the file, or the variable, never both, never without a user', () => {
    const load = (env: Record<string, string>) => natsConnectSettings(loadConfig(commonSettings, { env }));
    const pw = file('from-the-file', 0o600);
    expect(load({ CAIRN_NATS_URL: 'tls://127.0.0.1:4222', CAIRN_NATS_USER: 'cairn-images', CAIRN_NATS_PASSWORD_FILE: pw, CAIRN_NATS_CA: '/etc/cairn/ca.pem' })).toEqual({
      url: 'tls://127.0.0.1:4222',
      user: 'cairn-images',
      password: 'from-the-file',
      ca: '/etc/cairn/ca.pem',
    });
    expect(load({ CAIRN_NATS_USER: 'u', CAIRN_NATS_PASSWORD: 'from-env' })).toMatchObject({ user: 'u', password: 'from-env' });
    expect(load({})).toEqual({ url: 'nats://127.0.0.1:4222', user: undefined, password: undefined, ca: undefined });
    expect(() => load({ CAIRN_NATS_USER: 'u', CAIRN_NATS_PASSWORD: 'from-env', CAIRN_NATS_PASSWORD_FILE: pw })).toThrow(/CAIRN_NATS_PASSWORD and CAIRN_NATS_PASSWORD_FILE are both set/);
    expect(() => load({ CAIRN_NATS_PASSWORD_FILE: pw })).toThrow(/a NATS password is set but CAIRN_NATS_USER is not/);
    expect(() => load({ CAIRN_NATS_USER: 'u', CAIRN_NATS_PASSWORD_FILE: file('from-the-file', 0o604) })).toThrow(/CAIRN_NATS_PASSWORD_FILE: .* may be read by anyone/);
    expect(() => loadConfig(commonSettings, { env: { CAIRN_NATS_PASSWORD_FILE: 'relative/pw' } })).toThrow(/CAIRN_NATS_PASSWORD_FILE \(natsPasswordFile\) is "relative\/pw": expected an absolute path/);
    expect(() => loadConfig(commonSettings, { env: { CAIRN_NATS_CA: 'ca.pem' } })).toThrow(/CAIRN_NATS_CA \(natsCa\) is "ca.pem": expected an absolute path/);
  });
});
