import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { approveDeviceCode, BrowserSession, type DevIdp, type DevIdpUsername, findForm, startDevIdp } from '@cairn/testing';
import fc from 'fast-check';
import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';

const PEOPLE: Record<DevIdpUsername, { email: string; groups: string[] }> = {
  alice: { email: 'alice@example.edu', groups: ['cairn-project-genomics'] },
  bob: { email: 'bob@example.edu', groups: ['cairn-project-genomics'] },
  carol: { email: 'carol@example.edu', groups: ['cairn-admins'] },
};

describe('dev IdP [real: oidc-provider process, HTTP, jose]', () => {
  let idp: DevIdp;
  /** Every token, code and secret the suite handled: none may reach the IdP's log. */
  const handled: string[] = [];
  const verify = (token: string, target: DevIdp = idp) =>
    jwtVerify(token, createRemoteJWKSet(new URL(target.jwksUri)), { issuer: target.issuer, audience: 'cairn', algorithms: ['RS256'] });
  const keep = <T extends { accessToken: string; refreshToken?: string; idToken?: string }>(tokens: T): T => {
    handled.push(tokens.accessToken, ...(tokens.refreshToken ? [tokens.refreshToken] : []), ...(tokens.idToken ? [tokens.idToken] : []));
    return tokens;
  };

  beforeAll(async () => {
    idp = await startDevIdp();
    handled.push(idp.ci.clientSecret, ...Object.values(idp.users).map((u) => u.password));
  });
  afterAll(async () => {
    await idp?.stop();
  });

  it('publishes discovery and a JWKS of public RS256 keys with kids', async () => {
    const discovery = (await (await fetch(`${idp.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: idp.issuer,
      jwks_uri: `${idp.url}/jwks`,
      token_endpoint: `${idp.url}/token`,
      device_authorization_endpoint: `${idp.url}/device/auth`,
    });
    expect(discovery['grant_types_supported']).toEqual(expect.arrayContaining(['urn:ietf:params:oauth:grant-type:device_code', 'client_credentials', 'refresh_token', 'authorization_code']));
    const jwks = (await (await fetch(idp.jwksUri)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => k['kid'])).toEqual([idp.kids().current]);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key[secret]).toBeUndefined();
    }
  });

  it.each(['alice', 'bob', 'carol'] as const)('the device flow signs %s in: a JWT access token for aud cairn with their claims', async (user) => {
    const tokens = keep(await idp.deviceLogin(user));
    const { payload, protectedHeader } = await verify(tokens.accessToken);
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'at+jwt', kid: idp.kids().current });
    expect(payload).toMatchObject({
      iss: idp.issuer,
      aud: 'cairn',
      sub: idp.users[user].sub,
      preferred_username: user,
      email: PEOPLE[user].email,
      groups: PEOPLE[user].groups,
      client_id: 'cairn-cli',
    });
    expect(payload.sub).not.toBe(user);
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900);
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.expiresIn).toBe(900);
  });

  it('client credentials as cairn-ci give a token whose sub is cairn-ci; a wrong secret gets nothing', async () => {
    const { payload } = await verify(keep(await idp.serviceToken()).accessToken);
    expect(payload).toMatchObject({ iss: idp.issuer, aud: 'cairn', sub: 'cairn-ci', client_id: 'cairn-ci' });
    expect(payload['groups']).toBeUndefined();

    const wrong = Buffer.from(`cairn-ci:${'x'.repeat(43)}`).toString('base64');
    const res = await fetch(idp.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${wrong}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
    // The public CLI client may not use client credentials at all.
    const cli = await fetch(idp.tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=cairn-cli' });
    expect(cli.status).toBe(400);
  });

  it('a refresh token gives a new access token and rotates: the used one is refused after', async () => {
    const first = keep(await idp.deviceLogin('alice'));
    const second = keep(await idp.refresh(first.refreshToken ?? ''));
    const { payload } = await verify(second.accessToken);
    expect(payload).toMatchObject({ sub: idp.users.alice.sub, preferred_username: 'alice', aud: 'cairn' });
    expect(second.refreshToken).toEqual(expect.any(String));
    expect(second.refreshToken).not.toBe(first.refreshToken);
    await expect(idp.refresh(first.refreshToken ?? '')).rejects.toThrow(/invalid_grant/);
  });

  it('a wrong password is refused and approves nothing; the person retries in the same browser', async () => {
    const authorization = await idp.startDeviceAuthorization();
    handled.push(authorization.deviceCode);
    const wrongPassword = `${idp.users.bob.password}-not`;
    handled.push(wrongPassword);
    await expect(idp.approveDevice('bob', authorization.userCode, { password: wrongPassword })).rejects.toThrow('dev IdP refused the sign-in of bob (HTTP 401');
    await expect(idp.pollDeviceToken(authorization.deviceCode, 500)).rejects.toThrow('was not approved in time');

    // The code is in flight with the first browser: nobody else can take it over.
    const other = new BrowserSession();
    const taken = await other.submit(findForm(await other.open(`${idp.url}/device`), 'op.deviceInputForm'), { user_code: authorization.userCode });
    expect(taken.html).toContain('That code is not valid');

    const browser = new BrowserSession();
    const second = await idp.startDeviceAuthorization();
    handled.push(second.deviceCode);
    // verification_uri_complete: the page posts the code itself (a browser runs its script).
    const autoPost = await browser.open(second.verificationUriComplete);
    const confirm = await browser.submit(findForm(autoPost));
    const login = await browser.submit(findForm(confirm, 'op.deviceConfirmForm'));
    const refused = await browser.submit(findForm(login, 'login'), { username: 'bob', password: idp.users.alice.password });
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('Unknown user or wrong password.');
    const tooLong = await browser.submit(findForm(refused, 'login'), { username: 'bob', password: 'p'.repeat(257) });
    expect(tooLong.status).toBe(413);
    expect(tooLong.html).toContain('the password 256');
    const done = await browser.submit(findForm(tooLong, 'login'), { username: 'bob', password: idp.users.bob.password });
    expect(done.html).toContain('You are signed in');
    const { payload } = await verify(keep(await idp.pollDeviceToken(second.deviceCode)).accessToken);
    expect(payload['preferred_username']).toBe('bob');
  });

  it('refuses a user code it never issued and a resource other than Cairn', async () => {
    const browser = new BrowserSession();
    const wrongCode = await browser.submit(findForm(await browser.open(`${idp.url}/device`), 'op.deviceInputForm'), { user_code: 'BCDF-GHJK' });
    expect(wrongCode.html).toContain('That code is not valid');
    await expect(approveDeviceCode(`${idp.url}/device`, 'alice', idp.users.alice.password, 'BCDF-GHJK')).rejects.toThrow('dev IdP refused the user code (HTTP 200)');
    const basic = Buffer.from(`cairn-ci:${idp.ci.clientSecret}`).toString('base64');
    const res = await fetch(idp.tokenEndpoint, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: 'https://elsewhere.example/' }).toString(),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_target');
  });

  it('rotation: new tokens carry the new kid without a restart; old tokens verify until the old key is retired', async () => {
    const before = keep(await idp.deviceLogin('carol'));
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const rotated = await idp.rotateKeys();
    expect(rotated.current).not.toBe(oldKid);
    expect(rotated.all).toEqual([rotated.current, oldKid]);
    expect(idp.kids()).toEqual(rotated);

    const after = keep(await idp.serviceToken());
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(rotated.current);
    await verify(after.accessToken);
    await verify(before.accessToken);
    // Grants made before the rotation live on: carol's refresh token still works.
    const refreshed = keep(await idp.refresh(before.refreshToken ?? ''));
    expect(decodeProtectedHeader(refreshed.accessToken).kid).toBe(rotated.current);

    expect(await idp.retireOldKeys()).toEqual({ current: rotated.current, all: [rotated.current] });
    await expect(verify(before.accessToken)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await verify(after.accessToken);
  });

  it('a second provider claiming the same issuer and kid signs with its own key: its tokens do not verify here', async () => {
    const impostor = await startDevIdp({ issuer: idp.issuer, firstKid: idp.kids().current, accessTokenTtl: 60 });
    try {
      expect(impostor.issuer).toBe(idp.issuer);
      expect(impostor.url).not.toBe(idp.url);
      const forged = keep(await impostor.deviceLogin('alice'));
      const decoded = (await verify(forged.accessToken, { ...impostor, issuer: idp.issuer })).payload as JWTPayload;
      expect(decoded).toMatchObject({ iss: idp.issuer, aud: 'cairn', preferred_username: 'alice' });
      expect((decoded.exp ?? 0) - (decoded.iat ?? 0)).toBe(60);
      expect(decodeProtectedHeader(forged.accessToken).kid).toBe(idp.kids().current);
      await expect(verify(forged.accessToken)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    } finally {
      await impostor.stop();
    }
  });

  it('any username and password but the person\'s own is refused, in one interaction, without echoing them', async () => {
    const authorization = await idp.startDeviceAuthorization();
    handled.push(authorization.deviceCode);
    const browser = new BrowserSession();
    const confirm = await browser.submit(findForm(await browser.open(`${idp.url}/device`), 'op.deviceInputForm'), { user_code: authorization.userCode });
    let page = await browser.submit(findForm(confirm, 'op.deviceConfirmForm'));
    const typed = fc.tuple(fc.oneof(fc.constantFrom('alice', 'bob', 'carol'), fc.string({ unit: 'binary', maxLength: 80 })), fc.string({ unit: 'binary', maxLength: 300 }));
    await fc.assert(
      fc.asyncProperty(typed, async ([username, password]) => {
        fc.pre(!Object.values(idp.users).some((u) => u.password === password));
        page = await browser.submit(findForm(page, 'login'), { username, password });
        expect([401, 413]).toContain(page.status);
        if (password.length >= 8) expect(page.html.includes(password)).toBe(false);
        if (/[<>"]/.test(username)) expect(page.html.includes(username)).toBe(false);
      }),
      { numRuns: 40 },
    );
    await expect(idp.pollDeviceToken(authorization.deviceCode, 300)).rejects.toThrow('was not approved in time');
  });

  it('cairn-portal: authorization code with PKCE to a registered redirect URI; no PKCE or another URI is refused', async () => {
    const codes: URL[] = [];
    const callback = createServer((req, res) => {
      codes.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('back at the portal');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    const redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/auth/callback`;
    const portalIdp = await startDevIdp({ portalRedirectUris: [redirectUri] });
    try {
      const verifier = randomBytes(32).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const authorize = (extra: Record<string, string>) =>
        `${portalIdp.url}/auth?${new URLSearchParams({ client_id: 'cairn-portal', response_type: 'code', redirect_uri: redirectUri, scope: 'openid profile email groups', state: 'st-1', ...extra }).toString()}`;

      const browser = new BrowserSession();
      const login = await browser.open(authorize({ code_challenge: challenge, code_challenge_method: 'S256' }));
      const back = await browser.submit(findForm(login, 'login'), { username: 'carol', password: portalIdp.users.carol.password });
      expect(back.html).toBe('back at the portal');
      const returned = codes.pop();
      expect(returned?.searchParams.get('state')).toBe('st-1');
      const code = returned?.searchParams.get('code') ?? '';
      handled.push(code, verifier);
      const exchange = (verifierValue: string) =>
        fetch(portalIdp.tokenEndpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: 'cairn-portal', code_verifier: verifierValue }).toString(),
        });
      expect((await exchange(randomBytes(32).toString('base64url'))).status).toBe(400);
      const second = new BrowserSession();
      const again = await second.open(authorize({ code_challenge: challenge, code_challenge_method: 'S256' }));
      await second.submit(findForm(again, 'login'), { username: 'carol', password: portalIdp.users.carol.password });
      const code2 = codes.pop()?.searchParams.get('code') ?? '';
      handled.push(code2);
      const ok = await fetch(portalIdp.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: code2, redirect_uri: redirectUri, client_id: 'cairn-portal', code_verifier: verifier }).toString(),
      });
      const body = (await ok.json()) as { access_token: string; refresh_token?: string };
      handled.push(body.access_token, body.refresh_token ?? '');
      const { payload } = await verify(body.access_token, portalIdp);
      expect(payload).toMatchObject({ aud: 'cairn', preferred_username: 'carol', groups: ['cairn-admins'], client_id: 'cairn-portal' });

      const noPkce = await new BrowserSession().open(authorize({}));
      expect(noPkce.url.startsWith(redirectUri)).toBe(true);
      expect(codes.pop()?.searchParams.get('error')).toBe('invalid_request');
      const elsewhere = await new BrowserSession().open(
        `${portalIdp.url}/auth?${new URLSearchParams({ client_id: 'cairn-portal', response_type: 'code', redirect_uri: 'http://127.0.0.1:1/steal', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }).toString()}`,
      );
      expect(elsewhere.url.startsWith(portalIdp.url)).toBe(true);
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.html).toContain('redirect_uri');
      expect(codes).toHaveLength(0);
    } finally {
      await portalIdp.stop();
      callback.close();
    }
  });

  it('logs no password, secret, code or token it handled', () => {
    const log = readFileSync(idp.logFile, 'utf8');
    expect(log).toContain('sign-in: alice to cairn-cli');
    expect(log).toContain('sign-in refused: unknown user or wrong password');
    expect(handled.length).toBeGreaterThan(20);
    for (const secret of handled) expect(log.includes(secret)).toBe(false);
    const state = (file: string) => readFileSync(`${idp.stateDir}/${file}`, 'utf8');
    for (const key of JSON.parse(state('cookie-keys.json')) as string[]) expect(log.includes(key)).toBe(false);
    for (const k of (JSON.parse(state('signing-keys.json')) as { keys: { jwk: { d: string } }[] }).keys) expect(log.includes(k.jwk.d)).toBe(false);
  });
});
