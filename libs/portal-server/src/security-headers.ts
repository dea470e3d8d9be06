import type { PortalResponse } from './http-types';

/**
 * The portal's Content-Security-Policy: its own scripts, styles (inline too: CodeMirror sets
 * style attributes), images (and data: URLs), connections only; never framed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response of the portal; HSTS only when people reach it over https. */
export function securityHeaders(https: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };
  if (https) headers['strict-transport-security'] = 'max-age=31536000';
  return headers;
}

export function setSecurityHeaders(res: PortalResponse, https: boolean): void {
  for (const [name, value] of Object.entries(securityHeaders(https))) res.setHeader(name, value);
}
