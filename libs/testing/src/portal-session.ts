import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserSession, findForm } from './browser-session';
import { waitFor } from './free-port';
import type { DevIdp, DevIdpUsername } from './dev-idp';
import { type FetchFunction, http2Fetch } from './http2-fetch';
import { WORKSPACE } from './service-process';

/** Where `npx nx run portal:build` puts the bundle the gateway serves. */
export const PORTAL_BUNDLE_DIR = join(WORKSPACE, 'dist', 'apps', 'portal');

/** Throws, saying what to run, when the portal bundle is not built. */
export function requirePortalBundle(dir = PORTAL_BUNDLE_DIR): string {
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`${join(dir, 'index.html')} is missing: run npx nx run portal:build (the test stack serves the built bundle, it builds nothing)`);
  return dir;
}

/** The portal's session cookie on https (libs/portal-server: __Host- prefix). */
export const PORTAL_SESSION_COOKIE = '__Host-cairn-session';

/** A person logged in to the portal, seen from Node. */
export interface PortalSession {
  /** "__Host-cairn-session=<id>": what the browser sends. */
  cookie: string;
  /**
   * A fetch to the portal as its own pages call it: over HTTP/2 trusting the stack's CA,
   * with the session cookie and the portal's Origin (give it to createGrpcWebTransport).
   */
  fetch: FetchFunction;
  /** The bare HTTP/2 fetch (no cookie, no Origin), for hostile requests. */
  raw: FetchFunction;
  close(): void;
}

/**
 * Logs `person` in to the portal at `portalUrl` the way a browser does, without one:
 * /auth/login → the IdP's login page (form "login") → /auth/callback → the app.
 */
export async function portalLogin(portalUrl: string, idp: DevIdp, person: DevIdpUsername, ca: Buffer, options: { password?: string } = {}): Promise<PortalSession> {
  const origin = new URL(portalUrl).origin;
  const h2 = http2Fetch(ca);
  const browser = new BrowserSession((input, init) => (new URL(input).origin === origin ? h2.fetch(input, init) : fetch(input, init)));
  try {
    const login = await browser.open(`${origin}/auth/login?returnTo=/`);
    const done = await browser.submit(findForm(login, 'login'), { username: person, password: options.password ?? idp.users[person].password });
    const id = browser.cookie(PORTAL_SESSION_COOKIE);
    if (id === undefined || new URL(done.url).origin !== origin) throw new Error(`portal login of ${person} did not complete (HTTP ${done.status} at ${new URL(done.url).pathname})`);
    const cookie = `${PORTAL_SESSION_COOKIE}=${id}`;
    return {
      cookie,
      fetch: (input, init = {}) => {
        const headers = new Headers(init.headers);
        headers.set('cookie', cookie);
        headers.set('origin', origin);
        return h2.fetch(input, { ...init, headers });
      },
      raw: h2.fetch,
      close: () => h2.close(),
    };
  } catch (error) {
    h2.close();
    throw error;
  }
}

/** Waits until the portal at `portalUrl` answers (its gateway may report healthy a moment before). */
export async function waitForPortal(portalUrl: string, ca: Buffer): Promise<void> {
  const h2 = http2Fetch(ca);
  try {
    await waitFor(
      `the portal at ${portalUrl}`,
      async () => {
        const res = await h2.fetch(`${portalUrl}/auth/session`).catch(() => undefined);
        await res?.arrayBuffer();
        return res?.status === 200 ? true : undefined;
      },
      30_000,
      100,
    );
  } finally {
    h2.close();
  }
}
