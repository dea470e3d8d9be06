/**
 * The portal's checks on what a browser sends: where a login may return to, and whether a
 * state-changing request comes from the portal's own pages (CSRF).
 */

/**
 * A same-origin path to go back to after login: starts with "/", no "//" or "\" that a
 * browser could read as another host, no scheme, no control characters, at most 2048 chars.
 * Anything else becomes "/".
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.includes('//') || value.includes('\\')) return '/';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x21 || code === 0x7f) return '/';
  }
  // The URL parser is the judge: resolved against a placeholder origin it must stay there.
  try {
    const resolved = new URL(value, 'https://portal.invalid');
    const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
    return resolved.origin === 'https://portal.invalid' && path.startsWith('/') && !path.startsWith('//') ? path : '/';
  } catch {
    return '/';
  }
}

/** The origin ("https://host:port") of the portal's public URL. */
export function originOf(publicUrl: string): string {
  return new URL(publicUrl).origin;
}

/**
 * True only when the request comes from the portal's own pages: its `Origin` is exactly the
 * portal's origin, or, where a browser withholds the origin, the browser itself says so.
 * Under `Referrer-Policy: no-referrer` browsers send `Origin: null` on a same-origin form
 * POST (the "Log out" button); `Sec-Fetch-Site` (Fetch Metadata, which no script can set)
 * then tells same-origin from cross-site. Any other origin is refused whatever else it says.
 */
export function sameOrigin(headers: { origin?: string | string[] | undefined; 'sec-fetch-site'?: string | string[] | undefined }, portalOrigin: string): boolean {
  const origin = headers.origin;
  if (typeof origin === 'string' && origin !== 'null') return origin === portalOrigin;
  if (Array.isArray(origin)) return false;
  return headers['sec-fetch-site'] === 'same-origin';
}
