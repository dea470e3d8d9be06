import { join } from 'node:path';
import { z } from 'zod';
import { intIn, setting } from '@cairn/config';

const trueFalse = z.enum(['true', 'false'], 'expected true or false');

/** An origin people use to reach the portal: http(s)://host[:port], no path. */
const publicUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/?#@]+$/, 'expected the origin people use, e.g. https://cairn.example.edu (no path)')
  .transform((value) => new URL(value).origin);

/** The gateway's portal settings: docs/configuration.md, "portal". */
export const portalSettings = {
  portalAddress: setting(
    'CAIRN_PORTAL_ADDRESS',
    z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, 'expected host:port').optional(),
    'where the web portal listens (host:port); unset: no portal',
  ),
  portalPublicUrl: setting('CAIRN_PORTAL_PUBLIC_URL', publicUrl.optional(), 'the origin people use to reach the portal (its redirect URI is this + /auth/callback); default https://<CAIRN_PORTAL_ADDRESS> (http:// when plaintext)'),
  portalDir: setting(
    'CAIRN_PORTAL_DIR',
    // libs/portal-server/src -> the checkout's dist/apps/portal.
    z.string().startsWith('/', 'expected an absolute path').default(join(__dirname, '..', '..', '..', 'dist', 'apps', 'portal')),
    'directory of the built portal (npx nx run portal:build)',
  ),
  portalClientId: setting('CAIRN_PORTAL_CLIENT_ID', z.string().regex(/^[\x21-\x7e]{1,200}$/, 'expected a client id').default('cairn-portal'), "the portal's OAuth client id at the IdP (a public client: code + PKCE)"),
  portalIssuer: setting('CAIRN_PORTAL_ISSUER', z.string().regex(/^https?:\/\/\S+$/, 'expected an http(s) URL').optional(), 'the IdP people log in with; default the first issuer of CAIRN_IDENTITY_CONFIG'),
  portalScope: setting(
    'CAIRN_PORTAL_SCOPE',
    z
      .string()
      .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, 'expected space-separated scopes')
      .default('openid profile email groups offline_access cairn'),
    "scopes the portal asks for (openid, offline_access for a refresh token; cairn: the dev IdP's scope of the Cairn API)",
  ),
  portalResource: setting('CAIRN_PORTAL_RESOURCE', z.string().optional(), "RFC 8707 resource indicator (the access token's audience), for IdPs that want one"),
  portalSessionMaxSeconds: setting('CAIRN_PORTAL_SESSION_MAX_SECONDS', intIn(10, 7 * 24 * 3600, 8 * 3600), 'a portal session ends this long after login, whatever the IdP allows'),
  portalMaxSessions: setting('CAIRN_PORTAL_MAX_SESSIONS', intIn(1, 1_000_000, 10_000), 'most portal sessions held at once (the oldest ends first)'),
  portalPlaintext: setting(
    'CAIRN_PORTAL_PLAINTEXT',
    trueFalse.default('false').transform((v) => v === 'true'),
    'serve the portal over plain HTTP/1.1 (behind a TLS-terminating proxy, or development); otherwise HTTPS with HTTP/2 and the gateway\'s certificate',
  ),
};
