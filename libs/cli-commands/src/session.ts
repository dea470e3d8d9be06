import { checkBearerToken } from '@cairn/client';
import { ConfigError } from '@cairn/config';
import { NotLoggedInError } from './cli.errors';
import { IdpError, type OidcClient } from './oidc-client';
import { readPrivateFile } from './private-file';
import type { CachedTokens, TokenCache } from './token-cache';

/** A cached access token is refreshed when it has less than this left (clock skew, a slow call). */
export const REFRESH_LEEWAY_MS = 60_000;

/** True when the access token expires within the leeway (or has expired). */
export function needsRefresh(tokens: Pick<CachedTokens, 'expiresAt'>, now: number, leewayMs: number = REFRESH_LEEWAY_MS): boolean {
  return tokens.expiresAt - now <= leewayMs;
}

/** Where a command's token comes from, first match wins. */
export interface SessionSources {
  /** `--token-file`. */
  tokenFileFlag?: string;
  /** `CAIRN_TOKEN`. */
  token?: string;
  /** `CAIRN_TOKEN_FILE`. */
  tokenFile?: string;
  /** `CAIRN_CLIENT_SECRET_FILE`: a service account (client credentials). */
  clientSecretFile?: string;
  issuer: string;
  clientId: string;
}

/**
 * The token every command of the CLI sends, asked for before each call: a token given
 * for scripts (`--token-file`, `CAIRN_TOKEN`, `CAIRN_TOKEN_FILE`), a service account's
 * (client credentials, kept in memory until it nearly expires), or the cached login,
 * refreshed with its refresh token shortly before it expires. Without one it throws
 * NotLoggedInError, which tells the person to run `cairn login`.
 */
export class Session {
  private serviceTokens: { accessToken: string; expiresAt: number } | undefined;

  constructor(
    private readonly sources: SessionSources,
    private readonly cache: TokenCache,
    /** The identity provider's client, made when first needed (discovery is a request). */
    private readonly idp: (clientSecret?: string) => Promise<OidcClient>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The bearer token for the next call. */
  readonly token = async (): Promise<string> => {
    const { tokenFileFlag, token, tokenFile, clientSecretFile } = this.sources;
    if (tokenFileFlag !== undefined) return checkScriptToken(readTokenFile(tokenFileFlag, '--token-file'), '--token-file');
    if (token !== undefined) return checkScriptToken(token, 'CAIRN_TOKEN');
    if (tokenFile !== undefined) return checkScriptToken(readTokenFile(tokenFile, 'CAIRN_TOKEN_FILE'), 'CAIRN_TOKEN_FILE');
    if (clientSecretFile !== undefined) return this.serviceAccountToken(clientSecretFile);
    return this.cachedToken();
  };

  private async serviceAccountToken(clientSecretFile: string): Promise<string> {
    if (this.serviceTokens && !needsRefresh(this.serviceTokens, this.now())) return this.serviceTokens.accessToken;
    const secret = readClientSecret(clientSecretFile);
    const idp = await this.idp(secret);
    const issued = await idp.clientCredentials();
    this.serviceTokens = { accessToken: checkBearerToken(issued.accessToken), expiresAt: issued.expiresAt };
    return this.serviceTokens.accessToken;
  }

  private async cachedToken(): Promise<string> {
    const cached = this.usable(this.cache.read());
    if (!needsRefresh(cached, this.now())) return cached.accessToken;
    // Refresh under the cache's lock, reading the cache again inside it: another cairn
    // command may have refreshed meanwhile (and its refresh token replaced ours).
    return this.cache.withLock(async () => {
      const current = this.usable(this.cache.read());
      if (!needsRefresh(current, this.now())) return current.accessToken;
      if (current.refreshToken === undefined) {
        throw new NotLoggedInError(`your login at ${current.issuer} has expired: run \`cairn login\``);
      }
      let issued;
      try {
        issued = await (await this.idp()).refresh(current.refreshToken);
      } catch (error) {
        if (error instanceof IdpError && (error.kind === 'session-ended' || error.kind === 'denied')) {
          throw new NotLoggedInError(`your login at ${current.issuer} has ended (it could not be refreshed): run \`cairn login\``);
        }
        throw error;
      }
      const next: CachedTokens = { ...current, accessToken: checkBearerToken(issued.accessToken), expiresAt: issued.expiresAt };
      if (issued.refreshToken !== undefined) next.refreshToken = issued.refreshToken;
      this.cache.write(next);
      return next.accessToken;
    });
  }

  /** The cached login, if it is for the configured issuer and client. */
  private usable(cached: CachedTokens | undefined): CachedTokens {
    const { issuer, clientId } = this.sources;
    if (cached === undefined) throw new NotLoggedInError(`not logged in to ${issuer}: run \`cairn login\``);
    if (cached.issuer !== issuer || cached.clientId !== clientId) {
      throw new NotLoggedInError(`logged in to ${cached.issuer} as client ${cached.clientId}, but the CLI is set up for ${issuer} (${clientId}): run \`cairn login\``);
    }
    return cached;
  }
}

function checkScriptToken(token: string, source: string): string {
  try {
    return checkBearerToken(token.trim());
  } catch (error) {
    throw new NotLoggedInError(`${source}: ${(error as Error).message}`);
  }
}

const CREDENTIAL_FILE_BYTES = 64 * 1024;
const uid = process.getuid?.() ?? -1;

/** A token file of a script: the person's own regular file that no one else may read. */
function readTokenFile(file: string, source: string): string {
  const text = readPrivateFile(file, {
    what: `the token file (${source})`,
    remedy: 'use a file of your own',
    exposedRemedy: 'make it readable by you only (chmod 0600)',
    uid,
    maxBytes: CREDENTIAL_FILE_BYTES,
    fail: (message) => new NotLoggedInError(message),
  });
  if (text === undefined) throw new NotLoggedInError(`cannot read the token file (${source}) ${file}: ENOENT`);
  return text;
}

/** A service account's client secret (CAIRN_CLIENT_SECRET_FILE), by the same rules; trimmed. */
function readClientSecret(file: string): string {
  const text = readPrivateFile(file, {
    what: 'the client secret (CAIRN_CLIENT_SECRET_FILE)',
    remedy: 'use a file of your own',
    exposedRemedy: 'make it readable by you only (chmod 0600)',
    uid,
    maxBytes: CREDENTIAL_FILE_BYTES,
    fail: (message) => new ConfigError(message),
  })?.trim();
  if (text === undefined || text === '') throw new ConfigError(`CAIRN_CLIENT_SECRET_FILE: ${file} is missing or empty`);
  return text;
}
