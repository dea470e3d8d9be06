import * as oidc from 'openid-client';

/** How the portal reaches its IdP. */
export interface PortalOidcSettings {
  issuer: string;
  clientId: string;
  scope: string;
  resource?: string;
  /** PUBLIC_URL + /auth/callback: registered at the IdP for the client. */
  redirectUri: string;
}

/** Tokens of a login or a refresh; never logged, never sent to the browser. */
export interface PortalTokens {
  accessToken: string;
  /** Epoch ms. */
  accessExpiresAt: number;
  refreshToken?: string;
  /** From the ID token (login only): what to call the person. */
  name?: string;
}

/** What a login in progress keeps server-side until the IdP sends the person back. */
export interface LoginStart {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The IdP refused or failed; the message names no token. */
export class PortalLoginError extends Error {
  override readonly name = 'PortalLoginError';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The portal's OAuth 2.0 client (openid-client 6): authorization code with PKCE (S256),
 * state and nonce; refresh; revocation. Discovery happens on first use and is retried while
 * it fails, so a gateway starts even when the IdP is down (logins then answer 503).
 */
export class PortalOidc {
  private config?: Promise<oidc.Configuration>;

  constructor(
    private readonly settings: PortalOidcSettings,
    private readonly now: () => number = Date.now,
  ) {}

  private configuration(): Promise<oidc.Configuration> {
    if (!this.config) {
      const url = new URL(this.settings.issuer);
      const options: oidc.DiscoveryRequestOptions = { timeout: 15 };
      if (url.protocol === 'http:') {
        if (!LOOPBACK.has(url.hostname)) return Promise.reject(new PortalLoginError(`the issuer ${url.href} must be https (plain http only on 127.0.0.1/localhost)`));
        options.execute = [oidc.allowInsecureRequests];
      }
      const pending = oidc.discovery(url, this.settings.clientId, undefined, oidc.None(), options);
      this.config = pending;
      pending.catch(() => {
        if (this.config === pending) this.config = undefined;
      });
    }
    return this.config;
  }

  /**
   * Where to send the browser to log in, and the secrets to check the answer with;
   * `prompt: 'login'` asks the IdP to authenticate the person again (after a logout).
   */
  async start(options: { prompt?: 'login' } = {}): Promise<LoginStart> {
    const config = await this.configuration().catch((error: unknown) => {
      throw new PortalLoginError(`cannot read the identity provider's discovery document: ${(error as Error).message}`);
    });
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const parameters: Record<string, string> = {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    };
    if (this.settings.resource !== undefined) parameters['resource'] = this.settings.resource;
    if (options.prompt !== undefined) parameters['prompt'] = options.prompt;
    return { url: oidc.buildAuthorizationUrl(config, parameters).href, state, nonce, codeVerifier };
  }

  /** The code of `callbackUrl` exchanged for tokens, state, nonce and PKCE checked. */
  async finish(callbackUrl: URL, login: Pick<LoginStart, 'state' | 'nonce' | 'codeVerifier'>): Promise<PortalTokens> {
    try {
      const config = await this.configuration();
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callbackUrl,
        { pkceCodeVerifier: login.codeVerifier, expectedState: login.state, expectedNonce: login.nonce, idTokenExpected: true },
        this.settings.resource === undefined ? undefined : { resource: this.settings.resource },
      );
      const claims = tokens.claims();
      const name = [claims?.['preferred_username'], claims?.['name'], claims?.sub].find((v): v is string => typeof v === 'string' && v !== '');
      return { ...this.issued(tokens), ...(name === undefined ? {} : { name: name.slice(0, 256) }) };
    } catch (error) {
      throw loginError(error, 'the login did not complete');
    }
  }

  /** New tokens from a refresh token (the IdP may rotate it). */
  async refresh(refreshToken: string): Promise<PortalTokens> {
    try {
      const config = await this.configuration();
      return this.issued(await oidc.refreshTokenGrant(config, refreshToken, this.settings.resource === undefined ? undefined : { resource: this.settings.resource }));
    } catch (error) {
      throw loginError(error, 'the identity provider refused to refresh the session');
    }
  }

  /** Revokes a refresh token (RFC 7009) when the IdP offers revocation; errors are the caller's to log. */
  async revoke(refreshToken: string): Promise<void> {
    const config = await this.configuration();
    if (typeof config.serverMetadata().revocation_endpoint !== 'string') return;
    await oidc.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
  }

  private issued(tokens: oidc.TokenEndpointResponse): PortalTokens {
    const expiresIn = tokens.expires_in;
    const accessExpiresAt = typeof expiresIn === 'number' ? this.now() + expiresIn * 1000 : this.now() + 5 * 60_000;
    const out: PortalTokens = { accessToken: tokens.access_token, accessExpiresAt };
    if (typeof tokens.refresh_token === 'string' && tokens.refresh_token !== '') out.refreshToken = tokens.refresh_token;
    return out;
  }
}

/** Any failure of openid-client as a PortalLoginError naming the IdP's error code (never a token). */
function loginError(error: unknown, context: string): PortalLoginError {
  if (error instanceof PortalLoginError) return error;
  if (error instanceof oidc.ResponseBodyError) return new PortalLoginError(`${context}: ${error.error}`);
  if (error instanceof oidc.AuthorizationResponseError) return new PortalLoginError(`${context}: ${error.error}`);
  const code = (error as { code?: unknown }).code;
  return new PortalLoginError(`${context}${typeof code === 'string' ? `: ${code}` : ''}`);
}
