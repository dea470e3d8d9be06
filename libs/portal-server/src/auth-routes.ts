import type { Logger } from '@cairn/logging';
import { loggedOutCookieName, loginCookieName, parseCookies, serializeCookie, sessionCookieName } from './cookies';
import { header, type PortalRequest, type PortalResponse } from './http-types';
import { type PortalOidc, PortalLoginError } from './portal-oidc';
import { safeReturnTo, sameOrigin } from './request-checks';
import type { PendingLogins, Sessions } from './sessions';

/** What the /auth endpoints need. */
export interface AuthContext {
  oidc: Pick<PortalOidc, 'start' | 'finish' | 'revoke'>;
  sessions: Sessions;
  pending: PendingLogins;
  /** The portal's origin as people reach it (https://host[:port]). */
  origin: string;
  maxAgeSeconds: number;
  logger: Logger;
}

/** Seconds a login may take at the IdP (the login cookie's lifetime). */
export const LOGIN_SECONDS = 600;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small page saying what went wrong and offering a new login (no token, no user input but the fixed text). */
function problemPage(res: PortalResponse, status: number, message: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cairn: login</title></head><body><main><h1>Login did not complete</h1><p>${escapeHtml(message)}</p><p><a href="/auth/login">Log in again</a></p></main></body></html>\n`,
  );
}

function redirect(res: PortalResponse, status: 302 | 303, location: string, cookies: string[] = []): void {
  res.statusCode = status;
  res.setHeader('location', location);
  res.setHeader('cache-control', 'no-store');
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  res.end();
}

/** The portal's login endpoints (docs/portal.md): `/auth/login`, `/auth/callback`, `/auth/logout`, `/auth/session`. */
export async function handleAuth(req: PortalRequest, res: PortalResponse, url: URL, context: AuthContext): Promise<void> {
  const secure = context.origin.startsWith('https:');
  const cookies = parseCookies(header(req.headers, 'cookie'));
  const sessionCookie = sessionCookieName(secure);
  const loginCookie = loginCookieName(secure);
  const loggedOutCookie = loggedOutCookieName(secure);
  const route = `${req.method ?? ''} ${url.pathname}`;
  switch (route) {
    case 'GET /auth/login': {
      // After a logout, the IdP must ask who it is again (a shared computer).
      const afterLogout = cookies.has(loggedOutCookie);
      let start;
      try {
        start = await context.oidc.start(afterLogout ? { prompt: 'login' } : {});
      } catch (error) {
        context.logger.warn({ err: error }, 'portal login: the identity provider cannot be reached');
        problemPage(res, 503, 'The identity provider cannot be reached just now. Try again in a moment.');
        return;
      }
      const returnTo = safeReturnTo(url.searchParams.get('returnTo'));
      const id = context.pending.add({ state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, returnTo });
      const set = [serializeCookie(loginCookie, id, { path: '/auth', secure, maxAge: LOGIN_SECONDS })];
      if (afterLogout) set.push(serializeCookie(loggedOutCookie, '', { path: '/auth', secure, maxAge: 0 }));
      redirect(res, 302, start.url, set);
      return;
    }
    case 'GET /auth/callback': {
      const clearLogin = serializeCookie(loginCookie, '', { path: '/auth', secure, maxAge: 0 });
      const login = context.pending.take(cookies.get(loginCookie));
      if (!login) {
        res.setHeader('set-cookie', [clearLogin]);
        problemPage(res, 400, 'This login has expired, or was started in another browser or tab.');
        return;
      }
      try {
        // The URL the IdP sent the browser to, as the IdP knows it (the public origin).
        const tokens = await context.oidc.finish(new URL(`${url.pathname}${url.search}`, context.origin), login);
        context.sessions.end(cookies.get(sessionCookie));
        const id = context.sessions.create(tokens);
        context.logger.info({ person: tokens.name }, 'portal login');
        redirect(res, 302, login.returnTo, [clearLogin, serializeCookie(sessionCookie, id, { path: '/', secure, maxAge: context.maxAgeSeconds })]);
      } catch (error) {
        const message = error instanceof PortalLoginError ? error.message : 'the login did not complete';
        context.logger.warn({ reason: message }, 'portal login refused');
        res.setHeader('set-cookie', [clearLogin]);
        problemPage(res, 400, `The identity provider did not confirm the login (${message}).`);
      }
      return;
    }
    case 'POST /auth/logout': {
      if (!sameOrigin(req.headers, context.origin)) {
        res.statusCode = 403;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('Refused: not from the portal\'s own pages.\n');
        return;
      }
      const ended = context.sessions.end(cookies.get(sessionCookie));
      if (ended?.refreshToken !== undefined) {
        await context.oidc.revoke(ended.refreshToken).catch((error: unknown) => context.logger.warn({ reason: (error as Error).name }, 'portal logout: the refresh token could not be revoked'));
      }
      redirect(res, 303, '/', [serializeCookie(sessionCookie, '', { path: '/', secure, maxAge: 0 }), serializeCookie(loggedOutCookie, '1', { path: '/auth', secure })]);
      return;
    }
    case 'GET /auth/session': {
      res.statusCode = 200;
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      res.end(JSON.stringify(context.sessions.view(cookies.get(sessionCookie))));
      return;
    }
    default:
      res.statusCode = 404;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('Not found\n');
  }
}
