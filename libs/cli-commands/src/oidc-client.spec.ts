import { IdpProtocolDouble } from './idp-protocol-double';
import { checkIssuerUrl, IdpError, jwtExpiry, OidcClient } from './oidc-client';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

describe('OidcClient [real: HTTP to an RFC 8628 protocol double on 127.0.0.1]', () => {
  let idp: IdpProtocolDouble;
  const now = () => 1_000_000;

  beforeEach(async () => {
    idp = await new IdpProtocolDouble().start();
  });

  afterEach(async () => {
    await idp.stop();
  });

  const client = (extra: { clientSecret?: string; resource?: string } = {}) =>
    OidcClient.discover({ issuer: idp.issuer, clientId: 'cairn-cli', scope: 'openid offline_access', ...extra }, now);

  it('starts a device login and polls through authorization_pending until the tokens come', async () => {
    idp.tokenAnswers = [{ error: 'authorization_pending' }, { error: 'authorization_pending' }, { accessToken: 'at-1', refreshToken: 'rt-1', expiresIn: 300 }];
    const oidc = await client({ resource: 'cairn' });
    const authorization = await oidc.startDeviceAuthorization();
    expect(authorization).toMatchObject({
      userCode: 'WDJB-MJHT',
      verificationUri: `${idp.issuer}/device`,
      verificationUriComplete: `${idp.issuer}/device?user_code=WDJB-MJHT`,
      expiresIn: 600,
    });
    expect(idp.seen.find((r) => r.path === '/device/auth')?.params).toEqual({ client_id: 'cairn-cli', scope: 'openid offline_access', resource: 'cairn' });
    await expect(oidc.pollDeviceAuthorization(authorization)).resolves.toEqual({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: 1_000_000 + 300_000 });
    const polls = idp.grants(DEVICE_GRANT);
    expect(polls).toHaveLength(3);
    expect(polls.every((p) => p.params['device_code'] === 'device-code-1' && p.params['client_id'] === 'cairn-cli')).toBe(true);
  });

  /**
   * Runs `work` on a fake clock (setTimeout and Date; the HTTP exchanges stay real), moving
   * it on in 10 ms steps until `work` settles: the waits between polls take no real time and
   * the double's request times are exact.
   */
  async function onFakeClock<T>(work: () => Promise<T>): Promise<T> {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance'], now: 0 });
    try {
      let settled = false;
      const running = work().finally(() => (settled = true));
      while (!settled) {
        await jest.advanceTimersByTimeAsync(10);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return await running;
    } finally {
      jest.useRealTimers();
    }
  }

  const gaps = (requests: { at: number }[]) => requests.slice(1).map((r, i) => r.at - (requests[i]?.at ?? 0));

  it('waits the interval before each poll, 5 seconds more after each slow_down (RFC 8628 section 3.5)', async () => {
    idp.device = { interval: 1, expiresIn: 600, userCode: 'WDJB-MJHT' };
    idp.tokenAnswers = [{ error: 'authorization_pending' }, { error: 'slow_down' }, { error: 'authorization_pending' }, { error: 'slow_down' }, { accessToken: 'at-1', expiresIn: 300 }];
    const oidc = await client();
    const authorization = await oidc.startDeviceAuthorization();
    await expect(onFakeClock(() => oidc.pollDeviceAuthorization(authorization))).resolves.toMatchObject({ accessToken: 'at-1' });
    // interval 1 s; after the first slow_down 6 s; after the second 11 s (on a 10 ms clock step).
    const seen = gaps(idp.grants(DEVICE_GRANT)).map((gap) => Math.round(gap / 100) / 10);
    expect(seen).toEqual([1, 6, 6, 11]);
  });

  it('polls every 5 seconds when the provider names no interval', async () => {
    idp.device = { expiresIn: 600, userCode: 'AAAA-BBBB' };
    idp.tokenAnswers = [{ error: 'authorization_pending' }, { error: 'authorization_pending' }, { accessToken: 'at', expiresIn: 60 }];
    const oidc = await client();
    const authorization = await oidc.startDeviceAuthorization();
    await onFakeClock(() => oidc.pollDeviceAuthorization(authorization));
    expect(gaps(idp.grants(DEVICE_GRANT)).map((gap) => Math.round(gap / 100) / 10)).toEqual([5, 5]);
  });

  it('says clearly when the code expired (expired_token) or the person denied it (access_denied)', async () => {
    idp.tokenAnswers = [{ error: 'authorization_pending' }, { error: 'expired_token' }];
    let oidc = await client();
    await expect(oidc.pollDeviceAuthorization(await oidc.startDeviceAuthorization())).rejects.toEqual(
      new IdpError('expired', 'the login code expired before it was confirmed: run `cairn login` again'),
    );
    idp.tokenAnswers = [{ error: 'access_denied', description: 'the user said no' }];
    oidc = await client();
    await expect(oidc.pollDeviceAuthorization(await oidc.startDeviceAuthorization())).rejects.toMatchObject({
      kind: 'denied',
      message: 'the login was denied at the identity provider',
    });
  });

  it('gives up when expires_in has passed while the provider still says authorization_pending', async () => {
    idp.tokenAnswers = [{ error: 'authorization_pending' }];
    idp.device = { interval: 0.05, expiresIn: 1, userCode: 'AAAA-BBBB' };
    const oidc = await client();
    await expect(oidc.pollDeviceAuthorization(await oidc.startDeviceAuthorization())).rejects.toMatchObject({ kind: 'expired' });
    expect(idp.grants(DEVICE_GRANT).length).toBeGreaterThan(1);
  });

  it('stops polling when the signal aborts (Ctrl-C)', async () => {
    idp.tokenAnswers = [{ error: 'authorization_pending' }];
    const oidc = await client();
    const abort = new AbortController();
    const polling = oidc.pollDeviceAuthorization(await oidc.startDeviceAuthorization(), abort.signal);
    setTimeout(() => abort.abort(), 200);
    await expect(polling).rejects.toEqual(new IdpError('refused', 'login interrupted'));
  });

  it('refreshes (keeping the expiry of the new token), and names an ended session', async () => {
    idp.tokenAnswers = [{ accessToken: 'at-2', refreshToken: 'rt-2', expiresIn: 120 }, { error: 'invalid_grant', description: 'grant request is invalid' }];
    const oidc = await client();
    await expect(oidc.refresh('rt-1')).resolves.toEqual({ accessToken: 'at-2', refreshToken: 'rt-2', expiresAt: 1_120_000 });
    expect(idp.grants('refresh_token')[0]?.params).toMatchObject({ refresh_token: 'rt-1', client_id: 'cairn-cli' });
    await expect(oidc.refresh('rt-2')).rejects.toMatchObject({ kind: 'session-ended' });
  });

  it('reads the expiry from a JWT access token when the response has no expires_in', async () => {
    const payload = Buffer.from(JSON.stringify({ exp: 2_000 })).toString('base64url');
    idp.tokenAnswers = [{ accessToken: `e30.${payload}.c2ln` }];
    await expect((await client()).refresh('rt')).resolves.toMatchObject({ expiresAt: 2_000_000 });
    expect(jwtExpiry('not-a-jwt')).toBeUndefined();
    expect(jwtExpiry('a.!!!.b')).toBeUndefined();
  });

  it('gets a service account token with client credentials (HTTP Basic), never sending the secret in the body', async () => {
    idp.tokenAnswers = [{ accessToken: 'svc', expiresIn: 600 }];
    const oidc = await OidcClient.discover({ issuer: idp.issuer, clientId: 'cairn-ci', clientSecret: 's3cret', scope: 'openid' }, now);
    await expect(oidc.clientCredentials()).resolves.toEqual({ accessToken: 'svc', expiresAt: 1_600_000 });
    const [request] = idp.grants('client_credentials');
    expect(request?.basicClientId).toBe('cairn-ci');
    expect(JSON.stringify(request?.params)).not.toContain('s3cret');
  });

  it('revokes a refresh token, or says the provider cannot', async () => {
    let oidc = await client();
    await expect(oidc.revoke('rt-9', 'refresh_token')).resolves.toBe(true);
    expect(idp.seen.find((r) => r.path === '/revoke')?.params).toMatchObject({ token: 'rt-9', token_type_hint: 'refresh_token' });
    idp.offers.revocation = false;
    oidc = await client();
    await expect(oidc.revoke('rt-9', 'refresh_token')).resolves.toBe(false);
  });

  it('refuses a provider without device authorization, and issuers that are not https or loopback http', async () => {
    idp.offers.device = false;
    await expect((await client()).startDeviceAuthorization()).rejects.toThrow('offers no device authorization endpoint');
    expect(() => checkIssuerUrl('http://idp.example.edu')).toThrow('must be https');
    expect(() => checkIssuerUrl('ftp://127.0.0.1')).toThrow('must be https');
    expect(() => checkIssuerUrl('not a url')).toThrow('not a URL');
    expect(checkIssuerUrl('https://idp.example.edu/realms/campus').href).toBe('https://idp.example.edu/realms/campus');
    expect(checkIssuerUrl('http://localhost:5556').hostname).toBe('localhost');
  });

  it('says the provider is unreachable when nothing listens', async () => {
    const issuer = idp.issuer;
    await idp.stop();
    await expect(OidcClient.discover({ issuer, clientId: 'cairn-cli', scope: 'openid' })).rejects.toMatchObject({ kind: 'unreachable', message: expect.stringMatching(/unreachable \((ECONNREFUSED|bad port)\)/) });
    idp = await new IdpProtocolDouble().start();
  });
});
