import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initState, readSecrets } from './secrets';

describe('initState and readSecrets [real: file system]', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dev-idp-spec-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates every secret once, 0600 files in a 0700 directory, and leaves them alone after', () => {
    const dir = join(root, 'state');
    expect(initState(dir, { firstKid: 'first' })).toEqual(['passwords', 'ciSecret', 'cookieKeys', 'signingKeys', 'people']);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(dir)) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    const before = readFileSync(join(dir, 'passwords.json'), 'utf8');
    expect(initState(dir)).toEqual([]);
    expect(readFileSync(join(dir, 'passwords.json'), 'utf8')).toBe(before);

    const secrets = readSecrets(dir);
    expect(Object.keys(secrets.passwords)).toEqual(['alice', 'bob', 'carol']);
    expect(new Set(Object.values(secrets.passwords)).size).toBe(3);
    expect(secrets.ciSecret.length).toBeGreaterThanOrEqual(32);
    expect(secrets.keystore.keys.map((k) => k.jwk.kid)).toEqual(['first']);
  });

  it('two installs share no secret', () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    initState(a);
    initState(b);
    const [sa, sb] = [readSecrets(a), readSecrets(b)];
    expect(sa.ciSecret).not.toBe(sb.ciSecret);
    expect(sa.passwords['alice']).not.toBe(sb.passwords['alice']);
    expect(sa.cookieKeys[0]).not.toBe(sb.cookieKeys[0]);
    expect(sa.keystore.keys[0]?.jwk.kid).not.toBe(sb.keystore.keys[0]?.jwk.kid);
  });

  it('refuses missing or malformed secrets, naming the file and never quoting it', () => {
    const dir = join(root, 'state');
    expect(() => readSecrets(dir)).toThrow(`dev-idp: ${join(dir, 'passwords.json')} is missing; run \`dev-idp init --state ${dir}\` first`);
    initState(dir);
    const leaked = 'hunter2-but-longer-than-twelve';
    writeFileSync(join(dir, 'passwords.json'), `{"alice": "${leaked}", `);
    expect(() => readSecrets(dir)).toThrow(`dev-idp: ${join(dir, 'passwords.json')} is not valid JSON`);
    writeFileSync(join(dir, 'passwords.json'), JSON.stringify({ alice: leaked, bob: leaked, carol: 'short' }));
    expect(() => readSecrets(dir)).toThrow(/must give each of alice, bob, carol a password of 12 or more characters$/);
    writeFileSync(join(dir, 'passwords.json'), JSON.stringify({ alice: leaked, bob: leaked, carol: leaked }));
    writeFileSync(join(dir, 'cairn-ci.secret'), 'short\n');
    expect(() => readSecrets(dir)).toThrow(/cairn-ci.secret must hold a secret of 32 or more characters$/);
  });
});
