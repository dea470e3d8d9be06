import { readFileSync } from 'node:fs';
import type { ClientOptions, TokenProvider } from '@cairn/client';
import { ConfigError } from '@cairn/config';
import type { CliSettings } from './cli-settings';
import { OidcClient, type OidcSettings } from './oidc-client';
import { Session } from './session';
import type { TokenCache } from './token-cache';

/** The identity provider's client for these settings (another issuer for `cairn logout` of an older login). */
export function oidcClientFor(settings: CliSettings, options: { issuer?: string; clientSecret?: string } = {}): Promise<OidcClient> {
  const oidc: OidcSettings = {
    issuer: options.issuer ?? settings.issuer,
    clientId: settings.clientId,
    scope: settings.scope,
  };
  if (options.clientSecret !== undefined) oidc.clientSecret = options.clientSecret;
  if (settings.resource !== undefined) oidc.resource = settings.resource;
  return OidcClient.discover(oidc);
}

/** Where the CLI's token comes from (flag, environment, service account, cached login). */
export function sessionFor(
  settings: CliSettings,
  tokenFileFlag: string | undefined,
  cache: TokenCache,
  idp: (options: { clientSecret?: string }) => Promise<OidcClient>,
): Session {
  const sources: ConstructorParameters<typeof Session>[0] = { issuer: settings.issuer, clientId: settings.clientId };
  if (tokenFileFlag !== undefined) sources.tokenFileFlag = tokenFileFlag;
  if (settings.token !== undefined) sources.token = settings.token;
  if (settings.tokenFile !== undefined) sources.tokenFile = settings.tokenFile;
  if (settings.clientSecretFile !== undefined) sources.clientSecretFile = settings.clientSecretFile;
  return new Session(sources, cache, (clientSecret) => idp(clientSecret === undefined ? {} : { clientSecret }));
}

/** Options of every gateway client of the CLI: the session's token on every call, TLS with CAIRN_GRPC_CA. */
export function gatewayClientOptions(settings: CliSettings, token: TokenProvider): ClientOptions {
  if (settings.grpcCa === undefined) return { token };
  let ca: Buffer;
  try {
    ca = readFileSync(settings.grpcCa);
  } catch (error) {
    throw new ConfigError(`CAIRN_GRPC_CA: cannot read ${settings.grpcCa}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return { token, ca };
}
