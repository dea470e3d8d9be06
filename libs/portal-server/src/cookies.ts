/** The cookies of a request (`Cookie` header): the first value of each name. */
export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (header === undefined) return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!cookies.has(name)) cookies.set(name, value);
  }
  return cookies;
}

export interface CookieOptions {
  /** Seconds; 0 deletes the cookie. Omitted: a browser-session cookie. */
  maxAge?: number;
  path: string;
  secure: boolean;
}

/** A Set-Cookie value: always HttpOnly and SameSite=Lax; Secure on https. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  if (!/^[A-Za-z0-9_-]+$/.test(name) || !/^[A-Za-z0-9_-]*$/.test(value)) throw new Error('cookie names and values are base64url here');
  const parts = [`${name}=${value}`, `Path=${options.path}`, 'HttpOnly', 'SameSite=Lax'];
  if (options.secure) parts.push('Secure');
  if (options.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`);
  return parts.join('; ');
}

/**
 * The session cookie's name: with the __Host- prefix on https (the browser then insists on
 * Secure, Path=/ and no Domain, so no sibling host can set or shadow it).
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-cairn-session' : 'cairn-session';
}

/**
 * Set at logout (Path=/auth, until the browser closes): the next login asks the IdP to
 * authenticate again (prompt=login) rather than let its single sign-on session in silently.
 */
export function loggedOutCookieName(secure: boolean): string {
  return secure ? '__Secure-cairn-logged-out' : 'cairn-logged-out';
}

/** The cookie tying a login in progress to the browser that started it (Path=/auth). */
export function loginCookieName(secure: boolean): string {
  return secure ? '__Secure-cairn-login' : 'cairn-login';
}
