import { CAIRN_RESOURCE, cairnResourceServer, clients, extraAccessTokenClaims } from './provider-config';
import { openIdClaims, PEOPLE, personByUsername } from './people';

const runtime = { invalidTarget: (description: string) => new Error(`invalid_target: ${description}`) };

describe('the dev identity world', () => {
  it('alice, bob and carol with stable opaque subs, example.edu emails and the issue 9 groups', () => {
    expect(PEOPLE.map((p) => [p.username, p.email, p.groups])).toEqual([
      ['alice', 'alice@example.edu', ['cairn-project-genomics']],
      ['bob', 'bob@example.edu', ['cairn-project-genomics']],
      ['carol', 'carol@example.edu', ['cairn-admins']],
    ]);
    for (const p of PEOPLE) expect(p.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(PEOPLE.map((p) => p.sub)).size).toBe(3);
  });

  it('an access token of a person carries preferred_username, email and groups; a client credentials token none', () => {
    const alice = personByUsername('alice');
    if (!alice) throw new Error('no alice');
    expect(extraAccessTokenClaims({ kind: 'AccessToken', accountId: alice.sub })).toEqual({ preferred_username: 'alice', email: 'alice@example.edu', groups: ['cairn-project-genomics'] });
    expect(extraAccessTokenClaims({ kind: 'ClientCredentials' })).toBeUndefined();
    expect(extraAccessTokenClaims({ kind: 'AccessToken', accountId: 'someone-else' })).toBeUndefined();
    expect(openIdClaims(alice)).toMatchObject({ sub: alice.sub, preferred_username: 'alice', email_verified: true });
  });

  it('Cairn\'s API is the only resource: JWT access tokens, RS256, aud = the audience, the configured lifetime', () => {
    expect(cairnResourceServer({ audience: 'cairn', accessTokenTtl: 900 }, CAIRN_RESOURCE, runtime)).toEqual({
      scope: 'cairn',
      audience: 'cairn',
      accessTokenTTL: 900,
      accessTokenFormat: 'jwt',
      jwt: { sign: { alg: 'RS256' } },
    });
    expect(() => cairnResourceServer({ audience: 'cairn', accessTokenTtl: 900 }, 'https://elsewhere.example', runtime)).toThrow('invalid_target: the only resource is urn:cairn:api');
  });

  it('cairn-cli is public (device flow + refresh), cairn-portal code + PKCE at its redirect URIs, cairn-ci confidential client credentials', () => {
    const [cli, portal, ci] = clients({ portalRedirectUris: ['https://portal.example.edu/cb'] }, 's'.repeat(43));
    expect(cli).toMatchObject({ client_id: 'cairn-cli', token_endpoint_auth_method: 'none', grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'] });
    expect(cli?.client_secret).toBeUndefined();
    expect(portal).toMatchObject({ client_id: 'cairn-portal', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['https://portal.example.edu/cb'] });
    expect(ci).toMatchObject({ client_id: 'cairn-ci', client_secret: 's'.repeat(43), token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
  });
});
