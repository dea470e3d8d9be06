import { randomBytes } from 'node:crypto';
import type { PortalTokens } from './portal-oidc';
import type { PortalSession, SessionStore } from './session-store';

/** Refresh the access token when it has less than this left (ms). */
export const REFRESH_MARGIN_MS = 60_000;

/** A new session id: 32 random bytes, base64url (43 characters). */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** Only a well-formed id is looked up. */
export const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** What a session's caller gets: the token to forward, or why the session has ended. */
export type SessionAccess = { ok: true; accessToken: string } | { ok: false; reason: 'none' | 'ended' | 'refresh-failed' };

/** What /auth/session tells the browser: never a token. */
export interface SessionView {
  authenticated: boolean;
  name?: string;
  expiresAt?: string;
}

/**
 * The portal's sessions: made at login, ended at their maximum age, on logout, or when the
 * access token could not be refreshed. Refreshes run once per session at a time.
 */
export class Sessions {
  private readonly refreshing = new Map<string, Promise<SessionAccess>>();

  constructor(
    private readonly store: SessionStore,
    private readonly options: { maxAgeMs: number; refresh: (refreshToken: string) => Promise<PortalTokens>; now?: () => number },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** A new session for the tokens of a login; returns its id (the cookie's value). */
  create(tokens: PortalTokens): string {
    const id = newSessionId();
    const createdAt = this.now();
    const session: PortalSession = {
      createdAt,
      endsAt: createdAt + this.options.maxAgeMs,
      name: tokens.name ?? '',
      accessToken: tokens.accessToken,
      accessExpiresAt: tokens.accessExpiresAt,
    };
    if (tokens.refreshToken !== undefined) session.refreshToken = tokens.refreshToken;
    this.store.set(id, session);
    return id;
  }

  /** The live session of an id, or undefined (an ended one is dropped). */
  private live(id: string | undefined): PortalSession | undefined {
    if (id === undefined || !SESSION_ID.test(id)) return undefined;
    const session = this.store.get(id);
    if (!session) return undefined;
    if (session.endsAt <= this.now()) {
      this.store.delete(id);
      return undefined;
    }
    return session;
  }

  /** The access token to send for this session, refreshed first when it is about to expire. */
  async access(id: string | undefined): Promise<SessionAccess> {
    if (id === undefined || !SESSION_ID.test(id)) return { ok: false, reason: 'none' };
    const known = this.store.get(id) !== undefined;
    const session = this.live(id);
    if (!session) return { ok: false, reason: known ? 'ended' : 'none' };
    if (session.accessExpiresAt - this.now() > REFRESH_MARGIN_MS) return { ok: true, accessToken: session.accessToken };
    let pending = this.refreshing.get(id);
    if (!pending) {
      pending = this.refreshSession(id, session).finally(() => this.refreshing.delete(id));
      this.refreshing.set(id, pending);
    }
    return pending;
  }

  private async refreshSession(id: string, session: PortalSession): Promise<SessionAccess> {
    if (session.refreshToken === undefined) {
      if (session.accessExpiresAt > this.now()) return { ok: true, accessToken: session.accessToken };
      this.store.delete(id);
      return { ok: false, reason: 'refresh-failed' };
    }
    try {
      const tokens = await this.options.refresh(session.refreshToken);
      // Logged out (or ended) meanwhile: do not bring it back.
      if (this.store.get(id) !== session) return { ok: false, reason: 'ended' };
      const next: PortalSession = { ...session, accessToken: tokens.accessToken, accessExpiresAt: tokens.accessExpiresAt };
      if (tokens.refreshToken !== undefined) next.refreshToken = tokens.refreshToken;
      this.store.set(id, next);
      return { ok: true, accessToken: next.accessToken };
    } catch {
      this.store.delete(id);
      return { ok: false, reason: 'refresh-failed' };
    }
  }

  /** What the browser may know of its session. */
  view(id: string | undefined): SessionView {
    const session = this.live(id);
    if (!session) return { authenticated: false };
    return { authenticated: true, name: session.name, expiresAt: new Date(session.endsAt).toISOString() };
  }

  /** Ends a session; returns its refresh token (to revoke), if it had one. */
  end(id: string | undefined): { refreshToken?: string } | undefined {
    if (id === undefined || !SESSION_ID.test(id)) return undefined;
    const session = this.store.get(id);
    if (!session) return undefined;
    this.store.delete(id);
    return session.refreshToken === undefined ? {} : { refreshToken: session.refreshToken };
  }
}

/** A login in progress: the secrets to check the IdP's answer, and where to go after. */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  expiresAt: number;
}

/**
 * Logins in progress, keyed by a random id in a short-lived cookie (so only the browser that
 * started a login can finish it), for at most `ttlMs`, at most `max` at once (oldest dropped).
 */
export class PendingLogins {
  private readonly pending = new Map<string, PendingLogin>();

  constructor(
    private readonly options: { max: number; ttlMs: number; now?: () => number },
  ) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  add(login: Omit<PendingLogin, 'expiresAt'>): string {
    const now = this.now();
    for (const [key, value] of this.pending) if (value.expiresAt <= now) this.pending.delete(key);
    while (this.pending.size >= this.options.max) {
      const oldest = this.pending.keys().next();
      if (oldest.done) break;
      this.pending.delete(oldest.value);
    }
    const id = newSessionId();
    this.pending.set(id, { ...login, expiresAt: now + this.options.ttlMs });
    return id;
  }

  /** The login of this id, once (taking it ends it), if still fresh. */
  take(id: string | undefined): PendingLogin | undefined {
    if (id === undefined || !SESSION_ID.test(id)) return undefined;
    const login = this.pending.get(id);
    this.pending.delete(id);
    return login && login.expiresAt > this.now() ? login : undefined;
  }

  get size(): number {
    return this.pending.size;
  }
}
