import { parseArgs } from 'node:util';
import { checkKid } from './keystore';

/** How `dev-idp serve` runs (docs: tools/dev-idp/README.md). */
export interface ServeSettings {
  state: string;
  host: string;
  /** 0: any free port (the server writes the one it got to serving.json). */
  port: number;
  /** The `iss` of every token; default `http://<host>:<port>`. */
  issuer?: string;
  /** The access tokens' `aud`. */
  audience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  deviceCodeTtl: number;
  portalRedirectUris: string[];
}

export interface RotateSettings {
  state: string;
  /** How long a superseded key stays in the JWKS (seconds). */
  retainSeconds: number;
  kid?: string;
}

export type Command =
  | { command: 'init'; state: string; firstKid?: string }
  | ({ command: 'serve' } & ServeSettings)
  | ({ command: 'rotate' } & RotateSettings)
  | { command: 'retire'; state: string };

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 5556,
  audience: 'cairn',
  accessTokenTtl: 15 * 60,
  refreshTokenTtl: 8 * 60 * 60,
  deviceCodeTtl: 10 * 60,
  portalRedirectUris: ['http://127.0.0.1:8080/auth/callback'],
  retainSeconds: 60 * 60,
} as const;

const MAX_TTL = 30 * 24 * 60 * 60;
const AUDIENCE = /^[A-Za-z0-9._:/-]{1,128}$/;

export const USAGE = `usage: dev-idp <command> --state DIR [options]
  init    [--first-kid KID]             create the secrets that are missing (0600 files)
  serve   [--host H] [--port N] [--issuer URL] [--audience A] [--access-ttl S]
          [--refresh-ttl S] [--device-code-ttl S] [--portal-redirect-uri URI]...
  rotate  [--retain S] [--kid KID]      new signing key; old ones stay in the JWKS S seconds
  retire                                drop every signing key but the current one`;

function seconds(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) < 1 || Number(value) > MAX_TTL) {
    throw new Error(`dev-idp: --${name} takes whole seconds from 1 to ${MAX_TTL}, not ${JSON.stringify(value.slice(0, 40))}`);
  }
  return Number(value);
}

function httpUrl(name: string, value: string): string {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash || url.username || url.password) {
    throw new Error(`dev-idp: --${name} takes an http(s) URL without fragment or credentials, not ${JSON.stringify(value.slice(0, 200))}`);
  }
  return value;
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        state: { type: 'string' },
        'first-kid': { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        issuer: { type: 'string' },
        audience: { type: 'string' },
        'access-ttl': { type: 'string' },
        'refresh-ttl': { type: 'string' },
        'device-code-ttl': { type: 'string' },
        'portal-redirect-uri': { type: 'string', multiple: true },
        retain: { type: 'string' },
        kid: { type: 'string' },
      },
    });
  } catch (error) {
    // node:util's messages run over several lines; keep the first.
    const message = (error as { message?: unknown } | null)?.message;
    throw new Error(`dev-idp: ${(typeof message === 'string' ? message : 'bad options').split('\n')[0] ?? ''}`);
  }
}

/** Parses the command line; any unknown or malformed option is refused with one clear line. */
export function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  const { values } = parseOptions(rest);
  const state = values.state;
  if (!state) throw new Error(`dev-idp: --state DIR is required\n${USAGE}`);
  const allowed: Record<string, string[]> = {
    init: ['state', 'first-kid'],
    serve: ['state', 'host', 'port', 'issuer', 'audience', 'access-ttl', 'refresh-ttl', 'device-code-ttl', 'portal-redirect-uri'],
    rotate: ['state', 'retain', 'kid'],
    retire: ['state'],
  };
  const known = command === undefined ? undefined : allowed[command];
  if (!known) throw new Error(`dev-idp: unknown command ${JSON.stringify(command ?? '')}\n${USAGE}`);
  const stray = Object.keys(values).filter((k) => !known.includes(k));
  if (stray.length > 0) throw new Error(`dev-idp ${command}: does not take --${stray.join(', --')}`);

  if (command === 'init') return { command, state, firstKid: values['first-kid'] === undefined ? undefined : checkKid(values['first-kid']) };
  if (command === 'rotate') {
    return { command, state, retainSeconds: seconds('retain', values.retain, DEFAULTS.retainSeconds), kid: values.kid === undefined ? undefined : checkKid(values.kid) };
  }
  if (command === 'retire') return { command, state };

  const port = values.port ?? String(DEFAULTS.port);
  if (!/^[0-9]{1,5}$/.test(port) || Number(port) > 65535) throw new Error(`dev-idp: --port takes 0-65535, not ${JSON.stringify(port.slice(0, 40))}`);
  const host = values.host ?? DEFAULTS.host;
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(host)) throw new Error(`dev-idp: --host takes a host name or address, not ${JSON.stringify(host.slice(0, 80))}`);
  const audience = values.audience ?? DEFAULTS.audience;
  if (!AUDIENCE.test(audience)) throw new Error(`dev-idp: --audience takes 1-128 of A-Z a-z 0-9 . _ : / -, not ${JSON.stringify(audience.slice(0, 80))}`);
  return {
    command: 'serve',
    state,
    host,
    port: Number(port),
    issuer: values.issuer === undefined ? undefined : httpUrl('issuer', values.issuer).replace(/\/+$/, ''),
    audience,
    accessTokenTtl: seconds('access-ttl', values['access-ttl'], DEFAULTS.accessTokenTtl),
    refreshTokenTtl: seconds('refresh-ttl', values['refresh-ttl'], DEFAULTS.refreshTokenTtl),
    deviceCodeTtl: seconds('device-code-ttl', values['device-code-ttl'], DEFAULTS.deviceCodeTtl),
    portalRedirectUris: (values['portal-redirect-uri'] ?? [...DEFAULTS.portalRedirectUris]).map((u) => httpUrl('portal-redirect-uri', u)),
  };
}
