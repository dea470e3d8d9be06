import type { ClientMetadata, Configuration, Grant, KoaContextWithOIDC, ResourceServer } from 'oidc-provider';
import { errorPage, successPage, userCodeConfirmPage, userCodeInputPage } from './html';
import { signingJwks } from './keystore';
import { accessTokenClaims, openIdClaims, personBySub } from './people';
import type { Secrets } from './secrets';
import type { ServeSettings } from './settings';

/**
 * The resource indicator (RFC 8707) of Cairn's API. oidc-provider wants an absolute URI here;
 * the access tokens' `aud` is the configured audience (`cairn` by default), which is what the
 * gateway checks. Clients need not send it: it is every request's default resource.
 */
export const CAIRN_RESOURCE = 'urn:cairn:api';
/** The scope of Cairn's API (the resource server's only scope). */
export const CAIRN_SCOPE = 'cairn';
/** Every scope a client of the dev IdP is granted: all its clients are first-party, so no consent page. */
export const OIDC_SCOPES = 'openid profile email groups offline_access';

/** Adds what every sign-in grants (the OpenID scopes and Cairn's API) to `grant`. */
export function grantEverything(grant: Grant): Grant {
  grant.addOIDCScope(OIDC_SCOPES);
  grant.addResourceScope(CAIRN_RESOURCE, CAIRN_SCOPE);
  return grant;
}

export const CLIENT_IDS = { cli: 'cairn-cli', portal: 'cairn-portal', ci: 'cairn-ci' } as const;

export function clients(settings: Pick<ServeSettings, 'portalRedirectUris'>, ciSecret: string): ClientMetadata[] {
  return [
    {
      client_id: CLIENT_IDS.cli,
      client_name: 'Cairn CLI',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
    {
      client_id: CLIENT_IDS.portal,
      client_name: 'Cairn portal',
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [...settings.portalRedirectUris],
    },
    {
      client_id: CLIENT_IDS.ci,
      client_name: 'Cairn CI (service account)',
      client_secret: ciSecret,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
    },
  ];
}

/** What the configuration needs from oidc-provider at run time (its error classes). */
export interface ProviderRuntime {
  invalidTarget(description: string): Error;
}

/** Cairn's API as oidc-provider's resource server: JWT access tokens with `aud` = the audience. */
export function cairnResourceServer(settings: Pick<ServeSettings, 'audience' | 'accessTokenTtl'>, indicator: string, runtime: ProviderRuntime): ResourceServer {
  if (indicator !== CAIRN_RESOURCE) throw runtime.invalidTarget(`the only resource is ${CAIRN_RESOURCE}`);
  return {
    scope: CAIRN_SCOPE,
    audience: settings.audience,
    accessTokenTTL: settings.accessTokenTtl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  };
}

/** The person's claims an access token carries (none for client credentials: `sub` is the client). */
export function extraAccessTokenClaims(token: { kind: string; accountId?: string }): ReturnType<typeof accessTokenClaims> | undefined {
  if (token.kind !== 'AccessToken' || token.accountId === undefined) return undefined;
  const person = personBySub(token.accountId);
  return person ? accessTokenClaims(person) : undefined;
}

const clientName = (ctx: KoaContextWithOIDC) => ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId ?? 'a client';

/** oidc-provider's configuration for the dev IdP: clients, keys, claims, lifetimes, pages. */
export function providerConfiguration(settings: ServeSettings, secrets: Secrets, runtime: ProviderRuntime): Configuration {
  return {
    clients: clients(settings, secrets.ciSecret),
    jwks: signingJwks(secrets.keystore),
    cookies: { keys: [...secrets.cookieKeys] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: (ctx, form, _out, err) => {
          ctx.body = userCodeInputPage(form, err ? 'That code is not valid (mistyped, used or expired). Try again.' : undefined);
        },
        userCodeConfirmSource: (ctx, form, client, _deviceInfo, userCode) => {
          ctx.body = userCodeConfirmPage(form, client.clientName ?? client.clientId, userCode);
        },
        successSource: (ctx) => {
          ctx.body = successPage(clientName(ctx));
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => CAIRN_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => cairnResourceServer(settings, indicator, runtime),
      },
    },
    extraTokenClaims: (_ctx, token) => extraAccessTokenClaims(token),
    findAccount: (_ctx, sub) => {
      const person = personBySub(sub);
      return person ? { accountId: person.sub, claims: () => ({ ...openIdClaims(person), sub: person.sub }) } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: () => false,
    ttl: {
      AccessToken: settings.accessTokenTtl,
      ClientCredentials: settings.accessTokenTtl,
      IdToken: settings.accessTokenTtl,
      RefreshToken: settings.refreshTokenTtl,
      DeviceCode: settings.deviceCodeTtl,
      AuthorizationCode: 60,
      Interaction: 10 * 60,
      Session: settings.refreshTokenTtl,
      Grant: settings.refreshTokenTtl,
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = errorPage(String(out.error), out.error_description === undefined ? undefined : String(out.error_description));
    },
  };
}
