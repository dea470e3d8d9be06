import { MAX_PENDING_LOGINS, PENDING_LOGIN_MS } from './portal-server.module';
import { MemorySessionStore } from './session-store';
import { PendingLogins, REFRESH_MARGIN_MS, SESSION_ID, Sessions } from './sessions';
import type { PortalTokens } from './portal-oidc';

const HOUR = 3_600_000;

function setup(options: { refresh?: (token: string) => Promise<PortalTokens>; max?: number } = {}) {
  let now = 1_000_000;
  const refreshes: string[] = [];
  const store = new MemorySessionStore(options.max ?? 100, () => now);
  const sessions = new Sessions(store, {
    maxAgeMs: 8 * HOUR,
    now: () => now,
    refresh:
      options.refresh ??
      ((token) => {
        refreshes.push(token);
        return Promise.resolve({ accessToken: `access-${refreshes.length + 1}`, accessExpiresAt: now + 15 * 60_000, refreshToken: `refresh-${refreshes.length + 1}` });
      }),
  });
  return { sessions, store, refreshes, advance: (ms: number) => (now += ms), now: () => now };
}

describe('Sessions', () => {
  it('makes a session id of 32 random bytes and answers its token until it nears expiry', async () => {
    const { sessions, now } = setup();
    const id = sessions.create({ accessToken: 'access-1', accessExpiresAt: now() + 15 * 60_000, refreshToken: 'refresh-1', name: 'alice' });
    expect(id).toMatch(SESSION_ID);
    expect(Buffer.from(id, 'base64url')).toHaveLength(32);
    expect(await sessions.access(id)).toEqual({ ok: true, accessToken: 'access-1' });
    expect(sessions.view(id)).toEqual({ authenticated: true, name: 'alice', expiresAt: new Date(now() + 8 * HOUR).toISOString() });
  });

  it('refreshes the token once when it nears expiry (concurrent calls share the refresh), with the rotated refresh token next time', async () => {
    const { sessions, refreshes, advance, now } = setup();
    const id = sessions.create({ accessToken: 'access-1', accessExpiresAt: now() + 15 * 60_000, refreshToken: 'refresh-1' });
    advance(15 * 60_000 - REFRESH_MARGIN_MS + 1);
    const [a, b] = await Promise.all([sessions.access(id), sessions.access(id)]);
    expect(a).toEqual({ ok: true, accessToken: 'access-2' });
    expect(b).toEqual(a);
    expect(refreshes).toEqual(['refresh-1']);
    advance(15 * 60_000);
    expect(await sessions.access(id)).toEqual({ ok: true, accessToken: 'access-3' });
    expect(refreshes).toEqual(['refresh-1', 'refresh-2']);
  });

  it('ends the session when the refresh fails', async () => {
    const { sessions, now, advance } = setup({ refresh: () => Promise.reject(new Error('invalid_grant')) });
    const id = sessions.create({ accessToken: 'access-1', accessExpiresAt: now() + 60_000, refreshToken: 'refresh-1' });
    advance(1);
    expect(await sessions.access(id)).toEqual({ ok: false, reason: 'refresh-failed' });
    expect(await sessions.access(id)).toEqual({ ok: false, reason: 'none' });
    expect(sessions.view(id)).toEqual({ authenticated: false });
  });

  it('ends the session at its maximum age, however fresh its token', async () => {
    const { sessions, now, advance } = setup();
    const id = sessions.create({ accessToken: 'access-1', accessExpiresAt: now() + 24 * HOUR, refreshToken: 'refresh-1' });
    advance(8 * HOUR - 1);
    expect((await sessions.access(id)).ok).toBe(true);
    advance(1);
    expect(await sessions.access(id)).toEqual({ ok: false, reason: 'ended' });
    expect(sessions.view(id)).toEqual({ authenticated: false });
  });

  it('without a refresh token, the session lasts as long as its access token', async () => {
    const { sessions, now, advance } = setup();
    const id = sessions.create({ accessToken: 'access-1', accessExpiresAt: now() + 120_000 });
    advance(100_000);
    expect(await sessions.access(id)).toEqual({ ok: true, accessToken: 'access-1' });
    advance(20_000);
    expect(await sessions.access(id)).toEqual({ ok: false, reason: 'refresh-failed' });
  });

  it('answers nothing for a missing, malformed or unknown id', async () => {
    const { sessions } = setup();
    for (const id of [undefined, '', 'x', 'a'.repeat(44), `${'a'.repeat(42)}.`]) expect(await sessions.access(id)).toEqual({ ok: false, reason: 'none' });
    expect(await sessions.access('a'.repeat(43))).toEqual({ ok: false, reason: 'none' });
  });

  it('logout ends the session and hands back its refresh token to revoke', async () => {
    const { sessions, now } = setup();
    const id = sessions.create({ accessToken: 'access-1', accessExpiresAt: now() + HOUR, refreshToken: 'refresh-1' });
    expect(sessions.end(id)).toEqual({ refreshToken: 'refresh-1' });
    expect(sessions.end(id)).toBeUndefined();
    expect(await sessions.access(id)).toEqual({ ok: false, reason: 'none' });
  });

  it('a refresh that finishes after logout does not bring the session back', async () => {
    let release: (tokens: PortalTokens) => void = () => undefined;
    const { sessions, now, advance } = setup({ refresh: () => new Promise((resolve) => (release = resolve)) });
    const id = sessions.create({ accessToken: 'access-1', accessExpiresAt: now() + 30_000, refreshToken: 'refresh-1' });
    advance(1);
    const pending = sessions.access(id);
    sessions.end(id);
    release({ accessToken: 'access-2', accessExpiresAt: now() + HOUR });
    expect(await pending).toEqual({ ok: false, reason: 'ended' });
    expect(sessions.view(id)).toEqual({ authenticated: false });
  });

  it('holds at most its maximum of sessions: ended ones go first, then the oldest', async () => {
    const { sessions, store, now, advance } = setup({ max: 3 });
    const tokens = () => ({ accessToken: 'a', accessExpiresAt: now() + 24 * HOUR });
    const first = sessions.create(tokens());
    advance(8 * HOUR);
    const second = sessions.create(tokens());
    const third = sessions.create(tokens());
    const fourth = sessions.create(tokens());
    expect(store.size).toBe(3);
    expect(sessions.view(first).authenticated).toBe(false);
    const fifth = sessions.create(tokens());
    expect(store.size).toBe(3);
    expect([second, third, fourth, fifth].map((id) => sessions.view(id).authenticated)).toEqual([false, true, true, true]);
  });
});

describe('the documented maxima', () => {
  it('holds 10,000 sessions (CAIRN_PORTAL_MAX_SESSIONS default), and the next login ends the oldest', () => {
    const now = 0;
    const sessions = new Sessions(new MemorySessionStore(10_000, () => now), { maxAgeMs: HOUR, now: () => now, refresh: () => Promise.reject(new Error('no')) });
    const ids = Array.from({ length: 10_000 }, () => sessions.create({ accessToken: 'a', accessExpiresAt: HOUR }));
    expect(ids.every((id) => sessions.view(id).authenticated)).toBe(true);
    const next = sessions.create({ accessToken: 'a', accessExpiresAt: HOUR });
    expect(sessions.view(ids[0]).authenticated).toBe(false);
    expect(sessions.view(ids[1]).authenticated).toBe(true);
    expect(sessions.view(next).authenticated).toBe(true);
  });

  it(`holds ${MAX_PENDING_LOGINS} logins in progress for ${PENDING_LOGIN_MS / 60_000} minutes, and the next drops the oldest`, () => {
    let now = 0;
    const pending = new PendingLogins({ max: MAX_PENDING_LOGINS, ttlMs: PENDING_LOGIN_MS, now: () => now });
    const login = { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/' };
    const ids = Array.from({ length: MAX_PENDING_LOGINS }, () => pending.add(login));
    expect(pending.size).toBe(MAX_PENDING_LOGINS);
    pending.add(login);
    expect(pending.take(ids[0])).toBeUndefined();
    now = PENDING_LOGIN_MS - 1;
    expect(pending.take(ids[1])).toBeDefined();
    now = PENDING_LOGIN_MS;
    expect(pending.take(ids[2])).toBeUndefined();
  });
});

describe('PendingLogins', () => {
  it('gives a login back once, to the id it was stored under, while fresh', () => {
    let now = 0;
    const pending = new PendingLogins({ max: 2, ttlMs: 600_000, now: () => now });
    const login = { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/submit' };
    const id = pending.add(login);
    expect(pending.take(id)).toEqual({ ...login, expiresAt: 600_000 });
    expect(pending.take(id)).toBeUndefined();
    const late = pending.add(login);
    now = 600_000;
    expect(pending.take(late)).toBeUndefined();
  });

  it('holds at most its maximum (the oldest dropped)', () => {
    const pending = new PendingLogins({ max: 2, ttlMs: 600_000 });
    const login = { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/' };
    const ids = [pending.add(login), pending.add(login), pending.add(login)];
    expect(pending.size).toBe(2);
    expect(pending.take(ids[0])).toBeUndefined();
    expect(pending.take(ids[2])).toBeDefined();
  });
});
