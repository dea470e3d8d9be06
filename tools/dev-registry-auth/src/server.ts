import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Credentials, credentialsMatch, parseBasic } from './credentials';
import { grant, parseScopes } from './scope';
import { type Signer, signRegistryToken } from './token';

export interface TokenServerOptions {
  issuer: string;
  service: string;
  user: Credentials;
  signer: Signer;
  ttlSeconds: number;
  log: (line: string) => void;
  /** Seconds since the epoch (tests pin it). */
  now?: () => number;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(text);
}

const refuse = (res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  send(res, status, { errors: [{ code, message }] }, headers);

/**
 * The token endpoint of distribution's token auth (GET /token?service=&scope=), plus
 * GET /healthz. Basic credentials of the dev user get the pull/push they ask for on
 * repositories; no credentials get a token with no access; wrong ones get 401.
 */
export function handleRequest(options: TokenServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET') return refuse(res, 405, 'UNSUPPORTED', `${req.method ?? ''} is not supported; use GET`, { allow: 'GET' });
  if (url.pathname === '/healthz') return send(res, 200, { issuer: options.issuer, service: options.service });
  if (url.pathname !== '/token') return refuse(res, 404, 'NOT_FOUND', 'the token endpoint is /token');
  const service = url.searchParams.get('service');
  if (service !== options.service) {
    return refuse(res, 400, 'INVALID_REQUEST', `this server issues tokens for service ${JSON.stringify(options.service)}, not ${JSON.stringify((service ?? '').slice(0, 80))}`);
  }
  let scopes;
  try {
    scopes = parseScopes(url.searchParams.getAll('scope'));
  } catch (error) {
    return refuse(res, 400, 'INVALID_SCOPE', error instanceof Error ? error.message : String(error));
  }
  const given = parseBasic(req.headers.authorization);
  if (given === 'malformed' || (given !== undefined && !credentialsMatch(given, options.user))) {
    options.log(`refused: wrong or malformed credentials for ${scopes.map((s) => `${s.type}:${s.name}`).join(' ') || 'no scope'}`);
    return refuse(res, 401, 'UNAUTHORIZED', 'wrong user name or password', { 'www-authenticate': `Basic realm="${options.issuer}"` });
  }
  const now = options.now?.() ?? Math.floor(Date.now() / 1000);
  const access = grant(scopes, given !== undefined);
  const token = signRegistryToken(
    { issuer: options.issuer, service: options.service, subject: given?.user ?? '', access, now, ttlSeconds: options.ttlSeconds },
    options.signer,
  );
  options.log(`token for ${given?.user ?? 'anonymous'}: ${access.map((s) => `${s.type}:${s.name}:${s.actions.join(',')}`).join(' ') || 'no access'}`);
  send(res, 200, { token, access_token: token, expires_in: options.ttlSeconds, issued_at: new Date(now * 1000).toISOString() });
}

export function createTokenServer(options: TokenServerOptions): Server {
  return createServer((req, res) => {
    try {
      handleRequest(options, req, res);
    } catch (error) {
      options.log(`error: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) refuse(res, 500, 'INTERNAL', 'the token server failed; see its log');
    }
  });
}
