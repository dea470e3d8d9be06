import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { MAX_TOKEN_BYTES } from '@cairn/client';
import { NotLoggedInError } from './cli.errors';
import { IdpProtocolDouble } from './idp-protocol-double';
import { OidcClient } from './oidc-client';
import { needsRefresh, REFRESH_LEEWAY_MS, Session, type SessionSources } from './session';
import { TokenCache } from './token-cache';

const NOW = 1_700_000_000_000;

describe('needsRefresh', () => {
  it('is true exactly when the token has the leeway or less left', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), fc.integer({ min: 0, max: 3_600_000 }), (now, left, leeway) => {
        expect(needsRefresh({ expiresAt: now + left }, now, leeway)).toBe(left <= leeway);
      }),
      { numRuns: 500 },
    );
    expect(needsRefresh({ expiresAt: NOW + REFRESH_LEEWAY_MS + 1 }, NOW)).toBe(false);
    expect(needsRefresh({ expiresAt: NOW + REFRESH_LEEWAY_MS }, NOW)).toBe(true);
  });
});

describe('Session [real: token cache on disk, HTTP to an OAuth protocol double]', () => {
  let idp: IdpProtocolDouble;
  let base: string;
  let cache: TokenCache;
  let now = NOW;

  beforeEach(async () => {
    idp = await new IdpProtocolDouble().start();
    base = mkdtempSync(join(tmpdir(), 'cairn-session-'));
    cache = new TokenCache(join(base, 'cairn'));
    now = NOW;
  });

  afterEach(async () => {
    await idp.stop();
    rmSync(base, { recursive: true, force: true });
  });

  const session = (extra: Partial<SessionSources> = {}) =>
    new Session(
      { issuer: idp.issuer, clientId: 'cairn-cli', ...extra },
      cache,
      (clientSecret) => OidcClient.discover({ issuer: idp.issuer, clientId: clientSecret ? 'cairn-ci' : 'cairn-cli', scope: 'openid', ...(clientSecret ? { clientSecret } : {}) }, () => now),
      () => now,
    );
  const login = (expiresIn: number, refreshToken: string | null = 'rt-1') =>
    cache.write({ issuer: idp.issuer, clientId: 'cairn-cli', accessToken: 'at-1', expiresAt: NOW + expiresIn, ...(refreshToken ? { refreshToken } : {}) });

  it('sends the cached token while it has more than the leeway left, without asking the provider', async () => {
    login(REFRESH_LEEWAY_MS + 1000);
    await expect(session().token()).resolves.toBe('at-1');
    expect(idp.seen).toEqual([]);
  });

  it('refreshes before expiry, stores the rotated refresh token, and uses the new token from then on', async () => {
    login(REFRESH_LEEWAY_MS - 1000);
    idp.tokenAnswers = [{ accessToken: 'at-2', refreshToken: 'rt-2', expiresIn: 300 }];
    const s = session();
    await expect(s.token()).resolves.toBe('at-2');
    expect(idp.grants('refresh_token').map((r) => r.params['refresh_token'])).toEqual(['rt-1']);
    expect(cache.read()).toEqual({ issuer: idp.issuer, clientId: 'cairn-cli', accessToken: 'at-2', refreshToken: 'rt-2', expiresAt: NOW + 300_000 });
    await expect(s.token()).resolves.toBe('at-2');
    expect(idp.grants('refresh_token')).toHaveLength(1);
  });

  it('keeps the refresh token when the provider does not rotate it', async () => {
    login(-1000);
    idp.tokenAnswers = [{ accessToken: 'at-2', expiresIn: 300 }];
    await expect(session().token()).resolves.toBe('at-2');
    expect(cache.read()?.refreshToken).toBe('rt-1');
  });

  it('refreshes once when two commands find the token expiring at the same time (the cache lock)', async () => {
    login(0);
    idp.tokenAnswers = [{ accessToken: 'at-2', refreshToken: 'rt-2', expiresIn: 300 }, { error: 'invalid_grant' }];
    await expect(Promise.all([session().token(), session().token()])).resolves.toEqual(['at-2', 'at-2']);
    expect(idp.grants('refresh_token')).toHaveLength(1);
  });

  it('tells the person to log in when there is no login, it expired without a refresh token, the refresh is refused, or it is for another issuer', async () => {
    await expect(session().token()).rejects.toEqual(new NotLoggedInError(`not logged in to ${idp.issuer}: run \`cairn login\``));
    login(-1, null);
    await expect(session().token()).rejects.toThrow(`your login at ${idp.issuer} has expired: run \`cairn login\``);
    login(-1);
    idp.tokenAnswers = [{ error: 'invalid_grant', description: 'grant request is invalid' }];
    await expect(session().token()).rejects.toThrow(`your login at ${idp.issuer} has ended (it could not be refreshed): run \`cairn login\``);
    await expect(session({ issuer: 'https://other.example.edu' }).token()).rejects.toThrow(/^logged in to http:\/\/127\.0\.0\.1:\d+ as client cairn-cli, but the CLI is set up for https:\/\/other\.example\.edu/);
    await expect(session({ clientId: 'other' }).token()).rejects.toBeInstanceOf(NotLoggedInError);
  });

  it('prefers --token-file, then CAIRN_TOKEN, then CAIRN_TOKEN_FILE, over the cached login; refuses a token file others may read, or that is missing', async () => {
    login(3_600_000);
    const file = (name: string, content: string, mode = 0o600) => {
      const path = join(base, name);
      writeFileSync(path, content, { mode });
      return path;
    };
    const flag = file('flag', 'from-flag\n');
    const envFile = file('env', 'from-env-file\n');
    await expect(session({ tokenFileFlag: flag, token: 'from-env', tokenFile: envFile }).token()).resolves.toBe('from-flag');
    await expect(session({ token: 'from-env', tokenFile: envFile }).token()).resolves.toBe('from-env');
    await expect(session({ tokenFile: envFile }).token()).resolves.toBe('from-env-file');
    await expect(session().token()).resolves.toBe('at-1');
    const open = file('open', 'leaked', 0o644);
    await expect(session({ tokenFileFlag: open }).token()).rejects.toThrow(
      `refusing the token file (--token-file) ${open}: others may read or change it (mode 0644); make it readable by you only (chmod 0600)`,
    );
    const groupReadable = file('group', 'x', 0o640);
    await expect(session({ tokenFile: groupReadable }).token()).rejects.toThrow(NotLoggedInError);
    await expect(session({ tokenFile: join(base, 'missing') }).token()).rejects.toThrow('cannot read the token file (CAIRN_TOKEN_FILE)');
    await expect(session({ token: 'two words' }).token()).rejects.toThrow('CAIRN_TOKEN: the bearer token has characters a bearer token cannot have');
    // At the limits: a 64 KiB file holding a 16 KiB token (and whitespace) is read; a byte more of either is refused.
    const longest = 'a'.repeat(MAX_TOKEN_BYTES);
    const atLimit = file('at-limit', `${longest}${'\n'.repeat(64 * 1024 - MAX_TOKEN_BYTES)}`);
    await expect(session({ tokenFile: atLimit }).token()).resolves.toBe(longest);
    const overFile = file('over-file', `${longest}${'\n'.repeat(64 * 1024 - MAX_TOKEN_BYTES + 1)}`);
    await expect(session({ tokenFile: overFile }).token()).rejects.toThrow(`refusing the token file (CAIRN_TOKEN_FILE) ${overFile}: larger than 65536 bytes`);
    const overToken = file('over-token', `${longest}a\n`);
    await expect(session({ tokenFile: overToken }).token()).rejects.toThrow(`the bearer token is longer than ${MAX_TOKEN_BYTES} bytes`);
  });

  it('gets a service account token with client credentials and keeps it until it nearly expires', async () => {
    const secret = join(base, 'ci.secret');
    writeFileSync(secret, 'ci-secret\n', { mode: 0o600 });
    idp.tokenAnswers = [{ accessToken: 'svc-1', expiresIn: 600 }, { accessToken: 'svc-2', expiresIn: 600 }];
    const s = session({ clientSecretFile: secret });
    await expect(s.token()).resolves.toBe('svc-1');
    await expect(s.token()).resolves.toBe('svc-1');
    expect(idp.grants('client_credentials')).toHaveLength(1);
    expect(idp.grants('client_credentials')[0]?.basicClientId).toBe('cairn-ci');
    now += 600_000 - REFRESH_LEEWAY_MS;
    await expect(s.token()).resolves.toBe('svc-2');
    const open = join(base, 'open.secret');
    writeFileSync(open, 'ci-secret\n', { mode: 0o644 });
    await expect(session({ clientSecretFile: open }).token()).rejects.toThrow('refusing the client secret (CAIRN_CLIENT_SECRET_FILE)');
    await expect(session({ clientSecretFile: join(base, 'none') }).token()).rejects.toThrow('CAIRN_CLIENT_SECRET_FILE: ');
  });
});
