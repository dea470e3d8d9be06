import { TestIssuer } from '@cairn/testing';
import { type IssuerConfig, issuerConfigSchema } from './identity-config';
import { TokenVerifier } from './token-verifier';

/** What verify() refused with: its code and message. */
async function refusal(verifier: TokenVerifier, token: string): Promise<{ code: string; message: string }> {
  try {
    await verifier.verify(token);
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
  throw new Error('the token was accepted');
}

const now = () => Math.floor(Date.now() / 1000);
const configFor = (issuer: TestIssuer, more: Partial<IssuerConfig> = {}): IssuerConfig =>
  issuerConfigSchema.parse({ issuer: issuer.issuer, audience: 'cairn', algorithms: ['RS256', 'ES256'], ...more });

describe('TokenVerifier [real: jose, a local OpenID issuer over HTTP]', () => {
  let campus: TestIssuer;
  let other: TestIssuer;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    campus = await TestIssuer.start({ kid: 'shared-kid' });
    // A second provider, also configured, whose key has the same kid as the campus's.
    other = await TestIssuer.start({ kid: 'shared-kid' });
    verifier = new TokenVerifier([configFor(campus), configFor(other, { audience: ['cairn', 'cairn-ci'] })]);
  });
  afterAll(async () => {
    await campus.stop();
    await other.stop();
  });

  it('accepts a good token of each configured issuer: its issuer, subject and claims', async () => {
    const token = await campus.sign({ claims: { sub: 'alice-sub', preferred_username: 'alice' } });
    await expect(verifier.verify(token)).resolves.toMatchObject({ issuer: campus.issuer, subject: 'alice-sub', claims: { preferred_username: 'alice' } });
    await expect(verifier.verify(await other.sign({ claims: { sub: 'cairn-ci', aud: 'cairn-ci' } }))).resolves.toMatchObject({ issuer: other.issuer, subject: 'cairn-ci' });
  });

  it('refuses every bad class with UNAUTHENTICATED and a short reason that never contains the token', async () => {
    const stranger = await TestIssuer.start();
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'shared-kid' })).toString('base64url');
    const good = await campus.sign();
    const [goodHeader = '', goodPayload = ''] = good.split('.');
    const cases: Array<[string, string, RegExp]> = [
      ['expired (beyond the skew)', await campus.sign({ claims: { exp: now() - 120 } }), /expired/],
      ['not yet valid (beyond the skew)', await campus.sign({ claims: { nbf: now() + 120 } }), /not valid yet/],
      ['wrong audience', await campus.sign({ claims: { aud: 'someone-else' } }), /not meant for this gateway/],
      ['no audience', await campus.sign({ claims: { aud: undefined } }), /aud/],
      ['no expiry', await campus.sign({ claims: { exp: undefined } }), /exp/],
      ['no subject', await campus.sign({ claims: { sub: undefined } }), /sub/],
      ['issuer not configured', await stranger.sign(), /does not accept/],
      ['no issuer', await campus.sign({ claims: { iss: undefined } }), /does not accept/],
      ['bad signature', `${goodHeader}.${goodPayload}.${Buffer.from('x'.repeat(256)).toString('base64url')}`, /signature/],
      ['payload changed after signing', `${goodHeader}.${Buffer.from(JSON.stringify({ iss: campus.issuer, sub: 'root', aud: 'cairn', exp: now() + 60 })).toString('base64url')}.${good.split('.')[2] ?? ''}`, /signature/],
      ['alg none', campus.unsigned(), /algorithm/],
      ['HS256 signed with the provider public key', await campus.hmacWithPublicKey(), /algorithm/],
      ['unknown kid', await campus.sign({ headerKid: 'no-such-kid' }), /key the issuer does not publish/],
      ['signed by another provider with the same kid, claiming the campus as issuer', await other.sign({ claims: { iss: campus.issuer } }), /signature/],
      ['not a JWT', 'not-a-jwt', /well-formed/],
      ['a JWT with a garbage payload', `${header}.e30x.sig`, /well-formed|not valid/],
      ['too long', `${goodHeader}.${'A'.repeat(20_000)}.x`, /longer/],
    ];
    try {
      for (const [what, token, reason] of cases) {
        const refused = await refusal(verifier, token);
        expect({ what, code: refused.code }).toEqual({ what, code: 'UNAUTHENTICATED' });
        expect({ what, message: refused.message }).toEqual({ what, message: expect.stringMatching(reason) });
        expect(refused.message).not.toContain(token.slice(0, 20));
        expect(refused.message.length).toBeLessThan(120);
      }
    } finally {
      await stranger.stop();
    }
  });

  it('tolerates the configured clock skew on exp and nbf', async () => {
    await expect(verifier.verify(await campus.sign({ claims: { exp: now() - 10 } }))).resolves.toBeDefined();
    await expect(verifier.verify(await campus.sign({ claims: { nbf: now() + 10 } }))).resolves.toBeDefined();
    const strict = new TokenVerifier([configFor(campus, { clockSkewSeconds: 0 })]);
    expect((await refusal(strict, await campus.sign({ claims: { exp: now() - 10 } }))).message).toMatch(/expired/);
  });

  it('refuses an algorithm outside the issuer allow-list even when its key is published', async () => {
    const es = await TestIssuer.start({ kid: 'ec', alg: 'ES256' });
    try {
      const rsOnly = new TokenVerifier([configFor(es, { algorithms: ['RS256'] })]);
      expect(await refusal(rsOnly, await es.sign())).toEqual({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/algorithm/) });
      await expect(new TokenVerifier([configFor(es, { algorithms: ['ES256'] })]).verify(await es.sign())).resolves.toBeDefined();
    } finally {
      await es.stop();
    }
  });

  it('key rotation: a token signed by a newly published key is accepted without a restart; unknown kids refetch the JWKS at most once per interval', async () => {
    const idp = await TestIssuer.start({ kid: 'old' });
    try {
      const rotating = new TokenVerifier([configFor(idp, { jwksRefetchSeconds: 1 })]);
      await rotating.verify(await idp.sign());
      expect(idp.jwksFetches).toBe(1);
      // Within the interval, tokens with unknown kids do not make the gateway hammer the IdP.
      for (let i = 0; i < 5; i += 1) expect((await refusal(rotating, await idp.sign({ headerKid: `unknown-${i}` }))).code).toBe('UNAUTHENTICATED');
      expect(idp.jwksFetches).toBe(1);
      await idp.addKey('new');
      idp.dropOldKeys();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await expect(rotating.verify(await idp.sign({ kid: 'new' }))).resolves.toMatchObject({ issuer: idp.issuer });
      expect(idp.jwksFetches).toBe(2);
    } finally {
      await idp.stop();
    }
  });

  it('an unreachable issuer is UNAVAILABLE (not UNAUTHENTICATED): the caller may retry', async () => {
    const gone = await TestIssuer.start();
    const token = await gone.sign();
    const config = configFor(gone);
    await gone.stop();
    const verifierOfGone = new TokenVerifier([config]);
    expect((await refusal(verifierOfGone, token)).code).toBe('UNAVAILABLE');
  });
});
