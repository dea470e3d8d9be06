import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevIdp, freePort, startDevIdp } from '@cairn/testing';
import { loginAs, runCli } from './cli-login-helpers';

interface Cache {
  issuer: string;
  clientId: string;
  accessToken: string;
  refreshToken?: string;
  expiresAt: number;
}

describe('cairn login, logout [real: dev IdP (oidc-provider) and its HTTP pages, the CLI as a process]', () => {
  let idp: DevIdp;
  let home: string;
  let env: Record<string, string>;
  const cacheFile = () => join(home, 'cairn', 'tokens.json');
  const readCache = () => JSON.parse(readFileSync(cacheFile(), 'utf8')) as Cache;

  beforeAll(async () => {
    idp = await startDevIdp();
  });

  afterAll(async () => {
    await idp?.stop();
  });

  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'cairn-cli-login-'));
    // Nothing listens on the gateway address: these cases need only the IdP.
    env = { XDG_CONFIG_HOME: home, CAIRN_ISSUER: idp.issuer, CAIRN_GATEWAY: '127.0.0.1:1' };
  });

  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('completes the device flow as alice through the IdP pages, caching her tokens 0600 in a 0700 directory', async () => {
    const login = await loginAs((code) => idp.approveDevice('alice', code), env);
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.verificationUri).toBe(`${idp.issuer}/device`);
    expect(login.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(login.stdout).toContain(`(or open ${idp.issuer}/device?user_code=${login.userCode} , which fills in the code)`);
    expect(login.stdout).toContain(`Logged in to ${idp.issuer}`);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'cairn')).mode & 0o777).toBe(0o700);
    const cache = readCache();
    expect(cache).toMatchObject({ issuer: idp.issuer, clientId: 'cairn-cli' });
    const claims = JSON.parse(Buffer.from(cache.accessToken.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ preferred_username: 'alice', aud: 'cairn', iss: idp.issuer });
    // expires_in as the CLI received it, against the token's own exp.
    expect(Math.abs(cache.expiresAt - (claims['exp'] as number) * 1000)).toBeLessThan(30_000);
    expect(cache.refreshToken).toEqual(expect.any(String));
    // Her password, the tokens and the code never appear in what the CLI printed.
    for (const secret of [idp.users.alice.password, cache.accessToken, cache.refreshToken ?? '']) expect(login.stdout + login.stderr).not.toContain(secret);
  });

  it('refreshes a login about to expire with the rotated refresh token before calling the gateway', async () => {
    await loginAs((code) => idp.approveDevice('alice', code), env);
    const before = readCache();
    writeFileSync(cacheFile(), JSON.stringify({ ...before, expiresAt: Date.now() + 30_000 }), { mode: 0o600 });
    const call = await runCli(['whoami'], env);
    // The gateway address is dead: the call fails there, after the refresh.
    expect(call.stderr).toContain('UNAVAILABLE');
    const after = readCache();
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt).toBeGreaterThan(Date.now() + 60_000);
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600);
    // The old refresh token was rotated away; the new one works.
    await expect(idp.refresh(before.refreshToken ?? '')).rejects.toThrow();
    writeFileSync(cacheFile(), JSON.stringify(after), { mode: 0o600 });
  });

  it('logs out: deletes the cache and revokes the session at the IdP (its refresh token stops working)', async () => {
    await loginAs((code) => idp.approveDevice('alice', code), env);
    const { refreshToken } = readCache();
    const out = await runCli(['logout'], env);
    expect(out).toEqual({ code: 0, stderr: '', stdout: `Logged out: ${cacheFile()} is deleted, and the session is revoked at the identity provider.\n` });
    expect(existsSync(cacheFile())).toBe(false);
    await expect(idp.refresh(refreshToken ?? '')).rejects.toThrow();
    expect(await runCli(['whoami'], env)).toEqual({ code: 4, stdout: '', stderr: `cairn: not logged in to ${idp.issuer}: run \`cairn login\`\n` });
  });

  it('refuses a group-readable cache with exit 4; a wrong password at the IdP approves nothing', async () => {
    await loginAs((code) => idp.approveDevice('alice', code), env);
    chmodSync(cacheFile(), 0o640);
    const refused = await runCli(['whoami'], env);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toBe(
      `cairn: refusing the token cache ${cacheFile()}: others may read or change it (mode 0640); its tokens may have leaked: run \`cairn logout\` (revokes them), then \`cairn login\`\n`,
    );
    // A wrong password at the IdP: the person is not signed in, the code stays unapproved.
    await expect(idp.approveDevice('alice', 'WRONG-CODE', { password: 'wrong' })).rejects.toThrow();
  });

  it('says so, exit 1, when the IdP does not know the client or does not answer', async () => {
    const unknown = await runCli(['login'], { ...env, CAIRN_CLIENT_ID: 'no-such-client' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^cairn: the identity provider refused to start a device login: invalid_client/);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await runCli(['login'], { ...env, CAIRN_ISSUER: closed });
    expect(down).toMatchObject({ code: 1, stderr: `cairn: cannot read the discovery document of ${closed}/: the identity provider is unreachable (ECONNREFUSED)\n` });
  });
});
