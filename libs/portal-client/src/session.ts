/**
 * The portal's session as the browser sees it: whether someone is signed in (the gateway's
 * portal server keeps the tokens; the browser only ever learns a name and an expiry), and
 * how to send the person to log in so they come back where they were (docs/portal.md).
 */
import { setSessionEndedHandler } from './transport';

/** What `GET /auth/session` answers (no tokens, ever). */
export interface SessionInfo {
  readonly authenticated: boolean;
  readonly name?: string;
  readonly expiresAt?: string;
}

export const SESSION_PATH = '/auth/session';
export const LOGIN_PATH = '/auth/login';
export const LOGOUT_PATH = '/auth/logout';

/**
 * The path to come back to after login: only a same-origin path (starts with one "/", not
 * "//" or "/\", no control characters), else "/". The server checks it again.
 */
export function safeReturnTo(path: string): string {
  if (!path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return '/';
  if (path.startsWith(LOGIN_PATH) || path.startsWith('/auth/')) return '/';
  return path;
}

/** `/auth/login?returnTo=<path+search>` for where the person is now. */
export function loginUrl(pathAndSearch: string): string {
  return `${LOGIN_PATH}?returnTo=${encodeURIComponent(safeReturnTo(pathAndSearch))}`;
}

/** Reads an answer of `GET /auth/session`; anything else is an error (not "signed out"). */
export function parseSession(body: unknown): SessionInfo {
  if (typeof body !== 'object' || body === null || !('authenticated' in body) || typeof body.authenticated !== 'boolean') {
    throw new Error('the session endpoint answered something that is not a session');
  }
  const name = 'name' in body && typeof body.name === 'string' ? body.name : undefined;
  const expiresAt = 'expiresAt' in body && typeof body.expiresAt === 'string' ? body.expiresAt : undefined;
  return { authenticated: body.authenticated, name, expiresAt };
}

/** Asks the portal server whether this browser has a session. */
export async function fetchSession(signal?: AbortSignal): Promise<SessionInfo> {
  const response = await globalThis.fetch(SESSION_PATH, {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    cache: 'no-store',
    signal,
  });
  if (!response.ok) throw new Error(`the session endpoint answered HTTP ${response.status}`);
  return parseSession(await response.json());
}

let leaving = false;

/** Sends the person to log in, to come back to the page they are on (once, however many calls fail). */
export function goToLogin(): void {
  if (leaving) return;
  leaving = true;
  const { pathname, search } = globalThis.location;
  globalThis.location.assign(loginUrl(pathname + search));
}

/** Every call answered UNAUTHENTICATED (session expired or ended) sends the person to log in. */
export function redirectToLoginWhenSessionEnds(): void {
  setSessionEndedHandler(() => goToLogin());
}
