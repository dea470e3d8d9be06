import { parseArgs } from 'node:util';

/** How `dev-registry-auth serve` runs (tools/dev-registry-auth/README.md). */
export interface ServeSettings {
  host: string;
  /** 0: any free port. */
  port: number;
  /** The tokens' `iss`: the registry's `auth.token.issuer`. */
  issuer: string;
  /** The tokens' `aud`: the registry's `auth.token.service`; requests for another are refused. */
  service: string;
  /** PEM private key (RSA) that signs the tokens. */
  keyFile: string;
  /** PEM self-signed certificate of that key: the registry's `rootcertbundle`. */
  certFile: string;
  /** The one user who gets pull and push. */
  user: string;
  /** A file whose first line is that user's password. */
  passwordFile: string;
  ttlSeconds: number;
}

export const USAGE = `usage: dev-registry-auth serve --issuer ISS --service SVC --key KEY.pem --cert CERT.pem
         --user USER --password-file FILE [--host H] [--port N] [--ttl SECONDS]`;

const NAME = /^[A-Za-z0-9._:/-]{1,128}$/;
const MAX_TTL = 24 * 60 * 60;

export function parseServe(args: string[]): ServeSettings {
  const [command, ...rest] = args;
  if (command !== 'serve') throw new Error(`dev-registry-auth: unknown command ${JSON.stringify(command ?? '')}\n${USAGE}`);
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: rest,
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        issuer: { type: 'string' },
        service: { type: 'string' },
        key: { type: 'string' },
        cert: { type: 'string' },
        user: { type: 'string' },
        'password-file': { type: 'string' },
        ttl: { type: 'string' },
      },
    }).values;
  } catch (error) {
    throw new Error(`dev-registry-auth: ${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const required = (name: string): string => {
    const value = values[name];
    if (value === undefined || value.length === 0) throw new Error(`dev-registry-auth: --${name} is required\n${USAGE}`);
    return value;
  };
  const named = (name: string): string => {
    const value = required(name);
    if (!NAME.test(value)) throw new Error(`dev-registry-auth: --${name} takes 1 to 128 of A-Z a-z 0-9 . _ : / -, not ${JSON.stringify(value.slice(0, 40))}`);
    return value;
  };
  const number = (name: string, fallback: number, min: number, max: number): number => {
    const value = values[name];
    if (value === undefined) return fallback;
    if (!/^[0-9]{1,6}$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new Error(`dev-registry-auth: --${name} takes a whole number from ${min} to ${max}, not ${JSON.stringify(value.slice(0, 40))}`);
    }
    return Number(value);
  };
  return {
    host: values['host'] ?? '127.0.0.1',
    port: number('port', 5003, 0, 65535),
    issuer: named('issuer'),
    service: named('service'),
    keyFile: required('key'),
    certFile: required('cert'),
    user: named('user'),
    passwordFile: required('password-file'),
    ttlSeconds: number('ttl', 300, 1, MAX_TTL),
  };
}
