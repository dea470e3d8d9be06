import { Readable } from 'node:stream';
import { createLogger } from '@cairn/logging';
import { type AuthContext, handleAuth } from './auth-routes';
import type { PortalRequest, PortalResponse } from './http-types';
import { type LoginStart, PortalLoginError, type PortalTokens } from './portal-oidc';
import { MemorySessionStore } from './session-store';
import { PendingLogins, Sessions } from './sessions';

const ORIGIN = 'https://cairn.example.edu';

/** A recorded response. */
class Recorder implements PortalResponse {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  readonly headers = new Map<string, unknown>();
  body = '';
  setHeader(name: string, value: string | number | readonly string[]) {
    this.headers.set(name.toLowerCase(), value);
  }
  getHeader(name: string) {
    return this.headers.get(name.toLowerCase());
  }
  removeHeader(name: string) {
    this.headers.delete(name.toLowerCase());
  }
  write(chunk: Buffer | string) {
    this.body += String(chunk);
    return true;
  }
  end(chunk?: Buffer | string) {
    if (chunk !== undefined) this.body += String(chunk);
    this.writableEnded = true;
  }
  once() {
    return this;
  }
  cookies(): string[] {
    const value = this.headers.get('set-cookie');
    return Array.isArray(value) ? value.map(String) : [];
  }
}

/** The IdP's part, played by the spec (its real flow runs in test/e2e/portal-server.int-spec.ts). */
class StubIdp {
  finished: { url: string; login: Pick<LoginStart, 'state' | 'nonce' | 'codeVerifier'> }[] = [];
  prompts: (string | undefined)[] = [];
  revoked: string[] = [];
  refuse = false;
  start(options: { prompt?: 'login' } = {}): Promise<LoginStart> {
    this.prompts.push(options.prompt);
    return Promise.resolve({ url: 'https://idp.example.edu/authorize?client_id=cairn-portal', state: 'state-1', nonce: 'nonce-1', codeVerifier: 'verifier-1' });
  }
  finish(url: URL, login: Pick<LoginStart, 'state' | 'nonce' | 'codeVerifier'>): Promise<PortalTokens> {
    this.finished.push({ url: url.href, login });
    if (this.refuse) return Promise.reject(new PortalLoginError('the login did not complete: invalid_grant'));
    return Promise.resolve({ accessToken: 'access-secret', accessExpiresAt: Date.now() + 900_000, refreshToken: 'refresh-secret', name: 'alice' });
  }
  revoke(token: string): Promise<void> {
    this.revoked.push(token);
    return Promise.resolve();
  }
}

function setup() {
  const idp = new StubIdp();
  const sessions = new Sessions(new MemorySessionStore(10), { maxAgeMs: 3_600_000, refresh: () => Promise.reject(new Error('no')) });
  const context: AuthContext = { oidc: idp, sessions, pending: new PendingLogins({ max: 10, ttlMs: 600_000 }), origin: ORIGIN, maxAgeSeconds: 3600, logger: createLogger('test', 'silent') };
  const call = async (method: string, path: string, headers: Record<string, string> = {}) => {
    const req: PortalRequest = Object.assign(Readable.from([]), { method, url: path, headers });
    const res = new Recorder();
    await handleAuth(req, res, new URL(`${ORIGIN}${path}`), context);
    return res;
  };
  const login = async (returnTo = '/submit') => {
    const start = await call('GET', `/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    const loginCookie = start.cookies()[0]?.split(';')[0] ?? '';
    const back = await call('GET', '/auth/callback?code=c&state=state-1&iss=x', { cookie: loginCookie });
    return { start, loginCookie, back, session: back.cookies().find((c) => c.startsWith('__Host-'))?.split(';')[0] ?? '' };
  };
  return { idp, sessions, call, login };
}

describe('the /auth endpoints', () => {
  it('login: sends the browser to the IdP with a login cookie (Path=/auth, HttpOnly, Secure, 10 minutes)', async () => {
    const { call } = setup();
    const res = await call('GET', '/auth/login?returnTo=/submit');
    expect(res.statusCode).toBe(302);
    expect(res.getHeader('location')).toBe('https://idp.example.edu/authorize?client_id=cairn-portal');
    expect(res.cookies()).toEqual([expect.stringMatching(/^__Secure-cairn-login=[A-Za-z0-9_-]{43}; Path=\/auth; HttpOnly; SameSite=Lax; Secure; Max-Age=600$/)]);
    expect(res.getHeader('cache-control')).toBe('no-store');
  });

  it('callback: checks the login with the secrets of this browser\'s login, sets the session cookie and returns to the path asked for', async () => {
    const { idp, login } = setup();
    const { back } = await login('/workflows/8f2c?tab=dag');
    expect(idp.finished).toEqual([{ url: `${ORIGIN}/auth/callback?code=c&state=state-1&iss=x`, login: { state: 'state-1', nonce: 'nonce-1', codeVerifier: 'verifier-1', returnTo: '/workflows/8f2c?tab=dag', expiresAt: expect.any(Number) } }]);
    expect(back.statusCode).toBe(302);
    expect(back.getHeader('location')).toBe('/workflows/8f2c?tab=dag');
    expect(back.cookies()).toEqual([
      '__Secure-cairn-login=; Path=/auth; HttpOnly; SameSite=Lax; Secure; Max-Age=0',
      expect.stringMatching(/^__Host-cairn-session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure; Max-Age=3600$/),
    ]);
    expect(`${String(back.getHeader('location'))}${back.body}${back.cookies().join()}`).not.toMatch(/secret/);
  });

  it('callback: refuses a login started in another browser (no or unknown login cookie), or used twice', async () => {
    const { call, idp, login } = setup();
    for (const cookie of ['', '__Secure-cairn-login=' + 'A'.repeat(43)]) {
      const res = await call('GET', '/auth/callback?code=c&state=state-1', { cookie });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('Log in again');
      expect(res.cookies().some((c) => c.startsWith('__Host-'))).toBe(false);
    }
    expect(idp.finished).toHaveLength(0);
    const { loginCookie } = await login();
    const replay = await call('GET', '/auth/callback?code=c&state=state-1', { cookie: loginCookie });
    expect(replay.statusCode).toBe(400);
  });

  it('callback: shows the IdP\'s refusal without making a session', async () => {
    const { call, idp } = setup();
    idp.refuse = true;
    const start = await call('GET', '/auth/login');
    const res = await call('GET', '/auth/callback?code=c&state=state-1', { cookie: start.cookies()[0]?.split(';')[0] ?? '' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('invalid_grant');
    expect(res.cookies().some((c) => c.startsWith('__Host-'))).toBe(false);
  });

  it('login: a returnTo that leaves the portal returns to /', async () => {
    const { login } = setup();
    for (const returnTo of ['//evil.example', 'https://evil.example/', '/\\evil.example']) expect((await login(returnTo)).back.getHeader('location')).toBe('/');
  });

  it('session: tells whether the browser has one, its name and end; never a token', async () => {
    const { call, login } = setup();
    const { session } = await login();
    const res = await call('GET', '/auth/session', { cookie: session });
    expect(JSON.parse(res.body)).toEqual({ authenticated: true, name: 'alice', expiresAt: expect.any(String) });
    expect(res.body).not.toMatch(/secret/);
    expect(JSON.parse((await call('GET', '/auth/session')).body)).toEqual({ authenticated: false });
  });

  it('logout: only from the portal\'s own origin; ends the session, revokes its refresh token, clears the cookie', async () => {
    const { call, login, idp } = setup();
    const { session } = await login();
    const refusals: Record<string, string>[] = [{}, { origin: 'null' }, { origin: 'https://evil.example' }, { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' }, { origin: 'null', 'sec-fetch-site': 'cross-site' }];
    for (const headers of refusals) expect((await call('POST', '/auth/logout', { cookie: session, ...headers })).statusCode).toBe(403);
    expect(JSON.parse((await call('GET', '/auth/session', { cookie: session })).body).authenticated).toBe(true);
    // The page's "Log out" form: under Referrer-Policy no-referrer Chromium sends Origin: null,
    // and Sec-Fetch-Site: same-origin.
    const out = await call('POST', '/auth/logout', { cookie: session, origin: 'null', 'sec-fetch-site': 'same-origin' });
    expect(out.statusCode).toBe(303);
    expect(out.getHeader('location')).toBe('/');
    expect(out.cookies()).toEqual(['__Host-cairn-session=; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=0', '__Secure-cairn-logged-out=1; Path=/auth; HttpOnly; SameSite=Lax; Secure']);
    expect(idp.revoked).toEqual(['refresh-secret']);
    expect(JSON.parse((await call('GET', '/auth/session', { cookie: session })).body).authenticated).toBe(false);
  });

  it('after a logout the next login asks the IdP to authenticate again (prompt=login), once', async () => {
    const { call, idp } = setup();
    await call('GET', '/auth/login');
    const after = await call('GET', '/auth/login', { cookie: '__Secure-cairn-logged-out=1' });
    expect(idp.prompts).toEqual([undefined, 'login']);
    expect(after.cookies()).toContain('__Secure-cairn-logged-out=; Path=/auth; HttpOnly; SameSite=Lax; Secure; Max-Age=0');
  });

  it('answers 404 for anything else under /auth', async () => {
    const { call } = setup();
    expect((await call('GET', '/auth/logout')).statusCode).toBe(404);
    expect((await call('POST', '/auth/login')).statusCode).toBe(404);
    expect((await call('GET', '/auth/token')).statusCode).toBe(404);
  });
});
