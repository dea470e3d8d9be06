import * as oidc from 'openid-client';

/** How the CLI talks to the identity provider. */
export interface OidcSettings {
  /** The issuer URL; its discovery document names every endpoint. */
  issuer: string;
  clientId: string;
  /** Only for a confidential client (a service account's client credentials). */
  clientSecret?: string;
  /** Space-separated scopes asked for (offline_access for a refresh token). */
  scope: string;
  /** RFC 8707 resource indicator (the access tokens' audience), when the provider wants one. */
  resource?: string;
  /** Seconds each request to the provider may take. */
  timeoutSeconds?: number;
}

/** What a person is told to do to finish a device login (RFC 8628 section 3.2). */
export interface DeviceAuthorization {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Seconds until the code expires. */
  expiresIn: number;
  /** The library's own record, handed back to poll. */
  readonly response: oidc.DeviceAuthorizationResponse;
}

/** Tokens from the provider's token endpoint. */
export interface IssuedTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds; from `expires_in`, or the access token's own `exp`. */
  expiresAt: number;
}

/** Why the provider did not give tokens; `kind` drives the CLI's message and exit code. */
export class IdpError extends Error {
  override readonly name = 'IdpError';
  constructor(
    /** expired: the device code ran out; denied: the person said no; session-ended: the refresh token is no longer good; unreachable; refused: anything else the provider answered. */
    readonly kind: 'expired' | 'denied' | 'session-ended' | 'unreachable' | 'refused',
    message: string,
  ) {
    super(message);
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** An issuer URL the CLI may use: https, or plain http on this machine only (development). */
export function checkIssuerUrl(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new IdpError('refused', `the issuer is not a URL: ${JSON.stringify(issuer.slice(0, 200))}`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) return url;
  throw new IdpError('refused', `the issuer ${url.href} must be https (plain http only on 127.0.0.1/localhost, for development)`);
}

/**
 * The CLI's OAuth 2.0 client, over openid-client (discovery, RFC 8628 device authorization
 * with its polling rules, refresh, RFC 7009 revocation, client credentials).
 */
export class OidcClient {
  private constructor(
    private readonly config: oidc.Configuration,
    private readonly settings: OidcSettings,
    private readonly now: () => number,
  ) {}

  /** Reads the issuer's discovery document. */
  static async discover(settings: OidcSettings, now: () => number = Date.now): Promise<OidcClient> {
    const url = checkIssuerUrl(settings.issuer);
    const auth = settings.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(settings.clientSecret);
    const options: oidc.DiscoveryRequestOptions = { timeout: settings.timeoutSeconds ?? 30 };
    if (url.protocol === 'http:') options.execute = [oidc.allowInsecureRequests];
    try {
      const config = await oidc.discovery(url, settings.clientId, undefined, auth, options);
      return new OidcClient(config, settings, now);
    } catch (error) {
      throw idpError(error, `cannot read the discovery document of ${url.href}`);
    }
  }

  get issuer(): string {
    return this.config.serverMetadata().issuer;
  }

  /** True when the provider supports the device authorization grant. */
  get supportsDeviceFlow(): boolean {
    return typeof this.config.serverMetadata().device_authorization_endpoint === 'string';
  }

  /** Starts a device login (RFC 8628 section 3.1). */
  async startDeviceAuthorization(): Promise<DeviceAuthorization> {
    if (!this.supportsDeviceFlow) throw new IdpError('refused', `${this.issuer} offers no device authorization endpoint (RFC 8628)`);
    try {
      const response = await oidc.initiateDeviceAuthorization(this.config, this.parameters());
      const out: DeviceAuthorization = {
        userCode: response.user_code,
        verificationUri: response.verification_uri,
        expiresIn: response.expires_in,
        response,
      };
      if (response.verification_uri_complete !== undefined) out.verificationUriComplete = response.verification_uri_complete;
      return out;
    } catch (error) {
      throw idpError(error, 'the identity provider refused to start a device login');
    }
  }

  /**
   * Polls the token endpoint until the person confirms (RFC 8628 section 3.4/3.5): waits
   * `interval` seconds (5 when the provider names none) between requests, 5 more after
   * each `slow_down`, and gives up when the code expires.
   */
  async pollDeviceAuthorization(authorization: DeviceAuthorization, signal?: AbortSignal): Promise<IssuedTokens> {
    try {
      const options: oidc.DeviceAuthorizationGrantPollOptions = {};
      if (signal) options.signal = AbortSignal.any([signal, AbortSignal.timeout(authorization.expiresIn * 1000)]);
      const tokens = await oidc.pollDeviceAuthorizationGrant(this.config, authorization.response, this.resourceParameter(), options);
      return this.issued(tokens);
    } catch (error) {
      if (signal?.aborted) throw new IdpError('refused', 'login interrupted');
      throw idpError(error, 'the device login failed');
    }
  }

  /** New tokens from a refresh token (the provider may rotate it). */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    try {
      return this.issued(await oidc.refreshTokenGrant(this.config, refreshToken, this.resourceParameter()));
    } catch (error) {
      throw idpError(error, 'the identity provider refused to refresh the session');
    }
  }

  /** A service account's token (client credentials grant). */
  async clientCredentials(): Promise<IssuedTokens> {
    try {
      return this.issued(await oidc.clientCredentialsGrant(this.config, this.parameters()));
    } catch (error) {
      throw idpError(error, 'the identity provider refused the client credentials');
    }
  }

  /** Revokes a token (RFC 7009); false when the provider has no revocation endpoint. */
  async revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    if (typeof this.config.serverMetadata().revocation_endpoint !== 'string') return false;
    try {
      await oidc.tokenRevocation(this.config, token, { token_type_hint: hint });
      return true;
    } catch (error) {
      throw idpError(error, 'the identity provider refused to revoke the session');
    }
  }

  private parameters(): Record<string, string> {
    return { scope: this.settings.scope, ...this.resourceParameter() };
  }

  private resourceParameter(): Record<string, string> {
    return this.settings.resource === undefined ? {} : { resource: this.settings.resource };
  }

  private issued(tokens: oidc.TokenEndpointResponse): IssuedTokens {
    const expiresIn = tokens.expires_in;
    const expiresAt = typeof expiresIn === 'number' ? this.now() + expiresIn * 1000 : (jwtExpiry(tokens.access_token) ?? this.now() + 5 * 60_000);
    const out: IssuedTokens = { accessToken: tokens.access_token, expiresAt };
    if (typeof tokens.refresh_token === 'string' && tokens.refresh_token !== '') out.refreshToken = tokens.refresh_token;
    return out;
  }
}

/** The `exp` of a JWT access token, epoch ms (read, not verified: only to know when to refresh). */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Any failure of openid-client as an IdpError with a message a person can act on. */
function idpError(error: unknown, context: string): IdpError {
  if (error instanceof IdpError) return error;
  if (error instanceof oidc.ResponseBodyError) {
    const description = error.error_description ? `: ${error.error_description.slice(0, 300)}` : '';
    switch (error.error) {
      case 'expired_token':
        return new IdpError('expired', 'the login code expired before it was confirmed: run `cairn login` again');
      case 'access_denied':
        return new IdpError('denied', 'the login was denied at the identity provider');
      case 'invalid_grant':
        return new IdpError('session-ended', `${context}: the session has ended (${error.error}${description})`);
      default:
        return new IdpError('refused', `${context}: ${error.error}${description}`);
    }
  }
  if (error instanceof oidc.ClientError && error.code === 'OAUTH_TIMEOUT') {
    return new IdpError('expired', 'the login code expired before it was confirmed: run `cairn login` again');
  }
  const failed = fetchFailure(error);
  if (failed !== undefined) return new IdpError('unreachable', `${context}: the identity provider is unreachable (${failed})`);
  return new IdpError('refused', `${context}: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Why fetch failed (ECONNREFUSED, ...), when `error` (or what it wraps) is fetch's
 * "fetch failed" TypeError; by name, not instanceof: it may come from another realm.
 */
function fetchFailure(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 3; current = (current as { cause?: unknown }).cause, depth += 1) {
    const { name, message, cause } = current as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
    if (name === 'TypeError' && typeof message === 'string' && /fetch failed/i.test(message)) {
      return typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : 'no answer';
    }
  }
  return undefined;
}
