import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { loadConfig, setting, type SettingsOf } from '@cairn/config';

/** Where the CLI keeps its own files: `$XDG_CONFIG_HOME/cairn`, else `~/.config/cairn`. */
const locationSettings = {
  xdgConfigHome: setting('XDG_CONFIG_HOME', z.string().optional(), 'base directory of user configuration (XDG)'),
  configFile: setting('CAIRN_CONFIG', z.string().optional(), "the CLI's config file (default: <config dir>/config.yaml when it exists)"),
  // From the environment only (never from a file): a token for scripts.
  token: setting('CAIRN_TOKEN', z.string().optional(), 'a bearer token sent instead of the cached login (scripts)'),
  tokenFile: setting('CAIRN_TOKEN_FILE', z.string().optional(), 'a file holding a bearer token (scripts; readable by its owner only)'),
};

const issuerUrl = z.string().regex(/^https?:\/\/\S+$/, 'expected an http(s) URL');

/** The CLI's settings: environment first, then the config file. */
export const cliSettings = {
  gateway: setting('CAIRN_GATEWAY', z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, 'expected host:port').default('127.0.0.1:50051'), 'gateway address'),
  grpcCa: setting('CAIRN_GRPC_CA', z.string().optional(), "PEM file of the CA that signed the gateway's certificate (TLS); unset: plaintext"),
  issuer: setting('CAIRN_ISSUER', issuerUrl.default('http://127.0.0.1:5556'), 'OpenID Connect issuer URL `cairn login` uses'),
  clientId: setting('CAIRN_CLIENT_ID', z.string().regex(/^[\x21-\x7e]{1,200}$/, 'expected a client id').default('cairn-cli'), 'OAuth client id'),
  clientSecretFile: setting(
    'CAIRN_CLIENT_SECRET_FILE',
    z.string().optional(),
    "a confidential client's secret (service accounts: client credentials instead of a login; readable by its owner only)",
  ),
  scope: setting(
    'CAIRN_OIDC_SCOPE',
    z
      .string()
      .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, 'expected space-separated scopes')
      .default('openid profile email groups offline_access cairn'),
    'scopes `cairn login` asks for (offline_access: a refresh token; cairn: the dev IdP\'s scope of the Cairn API)',
  ),
  resource: setting('CAIRN_OIDC_RESOURCE', z.string().optional(), "RFC 8707 resource indicator (the access token's audience), for providers that want one"),
};

export type CliSettings = SettingsOf<typeof cliSettings> & {
  /** The CLI's directory (token cache, default config file). */
  configDir: string;
  token?: string;
  tokenFile?: string;
};

/** The CLI's config directory: `$XDG_CONFIG_HOME/cairn` (an absolute XDG_CONFIG_HOME only, as the XDG spec says), else `~/.config/cairn`. */
export function cliConfigDir(xdgConfigHome: string | undefined, home: string = homedir()): string {
  return xdgConfigHome && isAbsolute(xdgConfigHome) ? join(xdgConfigHome, 'cairn') : join(home, '.config', 'cairn');
}

/** Reads the CLI's settings (throws ConfigError naming a bad one; never shows a token). */
export function loadCliSettings(env?: Record<string, string | undefined>): CliSettings {
  const options = env === undefined ? {} : { env };
  const where = loadConfig(locationSettings, { ...options, file: '' });
  const configDir = cliConfigDir(where.xdgConfigHome);
  const defaultFile = join(configDir, 'config.yaml');
  const file = where.configFile ?? (existsSync(defaultFile) ? defaultFile : '');
  const settings: CliSettings = { ...loadConfig(cliSettings, { ...options, file }), configDir };
  if (where.token !== undefined && where.token !== '') settings.token = where.token;
  if (where.tokenFile !== undefined && where.tokenFile !== '') settings.tokenFile = where.tokenFile;
  return settings;
}
