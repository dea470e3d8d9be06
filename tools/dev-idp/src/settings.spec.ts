import fc from 'fast-check';
import { DEFAULTS, parseCommand } from './settings';

const serve = (...args: string[]) => parseCommand(['serve', '--state', '/s', ...args]);
const MAX_TTL = 30 * 24 * 60 * 60;

describe('parseCommand', () => {
  it('serve has the dev defaults: 127.0.0.1:5556, audience cairn, access tokens 15 min', () => {
    expect(serve()).toEqual({
      command: 'serve',
      state: '/s',
      host: '127.0.0.1',
      port: 5556,
      issuer: undefined,
      audience: 'cairn',
      accessTokenTtl: 900,
      refreshTokenTtl: 28_800,
      deviceCodeTtl: 600,
      portalRedirectUris: [...DEFAULTS.portalRedirectUris],
    });
  });

  it('reads every serve option, repeated redirect URIs in order, the issuer without trailing slash', () => {
    expect(
      serve('--host', '::1', '--port', '0', '--issuer', 'https://idp.example.edu/', '--audience', 'https://cairn.example.edu', '--access-ttl', '60', '--refresh-ttl', '120', '--device-code-ttl', '30', '--portal-redirect-uri', 'http://127.0.0.1:1/cb', '--portal-redirect-uri', 'https://portal.example.edu/cb'),
    ).toMatchObject({
      host: '::1',
      port: 0,
      issuer: 'https://idp.example.edu',
      audience: 'https://cairn.example.edu',
      accessTokenTtl: 60,
      refreshTokenTtl: 120,
      deviceCodeTtl: 30,
      portalRedirectUris: ['http://127.0.0.1:1/cb', 'https://portal.example.edu/cb'],
    });
  });

  it('takes lifetimes up to 30 days and refuses one second more, zero and fractions', () => {
    expect(serve('--access-ttl', String(MAX_TTL))).toMatchObject({ accessTokenTtl: MAX_TTL });
    for (const bad of [String(MAX_TTL + 1), '0', '1.5', '-1', '', '1e3', ' 60']) {
      expect(() => serve(`--access-ttl=${bad}`)).toThrow(/--access-ttl takes whole seconds from 1 to 2592000/);
    }
  });

  it('init, rotate and retire take their own options only', () => {
    expect(parseCommand(['init', '--state', '/s', '--first-kid', 'k-1'])).toEqual({ command: 'init', state: '/s', firstKid: 'k-1' });
    expect(parseCommand(['rotate', '--state', '/s'])).toEqual({ command: 'rotate', state: '/s', retainSeconds: 3600, kid: undefined });
    expect(parseCommand(['rotate', '--state', '/s', '--retain', '5', '--kid', 'next'])).toEqual({ command: 'rotate', state: '/s', retainSeconds: 5, kid: 'next' });
    expect(parseCommand(['retire', '--state', '/s'])).toEqual({ command: 'retire', state: '/s' });
    expect(() => parseCommand(['retire', '--state', '/s', '--port', '1'])).toThrow('dev-idp retire: does not take --port');
    expect(() => parseCommand(['init', '--state', '/s', '--issuer', 'http://x'])).toThrow('dev-idp init: does not take --issuer');
  });

  it('refuses a missing state, an unknown command, unknown options and positionals', () => {
    expect(() => parseCommand(['serve'])).toThrow(/--state DIR is required/);
    expect(() => parseCommand(['launch', '--state', '/s'])).toThrow(/unknown command "launch"/);
    expect(() => parseCommand([])).toThrow();
    expect(() => serve('--password', 'x')).toThrow(/Unknown option '--password'/);
    expect(() => serve('extra')).toThrow(/positional/);
    expect(() => serve('--access-ttl', '-1')).toThrow(/^dev-idp: Option '--access-ttl' argument is ambiguous\.$/);
  });

  it('refuses issuers and redirect URIs that are not plain http(s) URLs', () => {
    for (const bad of ['ftp://x', 'http://u:p@x', 'http://x/#f', 'not a url', 'javascript:alert(1)']) {
      expect(() => serve('--issuer', bad)).toThrow(/--issuer takes an http\(s\) URL/);
      expect(() => serve('--portal-redirect-uri', bad)).toThrow(/--portal-redirect-uri takes an http\(s\) URL/);
    }
  });

  it('any value of any option is either accepted within its rules or refused in one short line', () => {
    const option = fc.constantFrom('--host', '--port', '--issuer', '--audience', '--access-ttl', '--refresh-ttl', '--device-code-ttl', '--portal-redirect-uri');
    fc.assert(
      fc.property(option, fc.string({ unit: 'binary', maxLength: 2000 }), (name, value) => {
        let parsed: ReturnType<typeof parseCommand>;
        try {
          parsed = serve(name, value);
        } catch (error) {
          const message = (error as Error).message;
          expect(message.length).toBeLessThan(400);
          expect(message.split('\n')).toHaveLength(1);
          return;
        }
        if (parsed.command !== 'serve') throw new Error('not serve');
        expect(parsed.port).toBeGreaterThanOrEqual(0);
        expect(parsed.port).toBeLessThanOrEqual(65535);
        expect(parsed.host).toMatch(/^[A-Za-z0-9.:-]{1,253}$/);
        expect(parsed.audience).toMatch(/^[A-Za-z0-9._:/-]{1,128}$/);
        for (const ttl of [parsed.accessTokenTtl, parsed.refreshTokenTtl, parsed.deviceCodeTtl]) expect(Number.isInteger(ttl) && ttl >= 1 && ttl <= MAX_TTL).toBe(true);
        for (const url of [parsed.issuer ?? 'http://x', ...parsed.portalRedirectUris]) expect(new URL(url).protocol).toMatch(/^https?:$/);
      }),
      { numRuns: 300 },
    );
  });

  it('a kid is 1-64 URL-safe characters', () => {
    expect(parseCommand(['init', '--state', '/s', '--first-kid', 'a'.repeat(64)])).toMatchObject({ firstKid: 'a'.repeat(64) });
    for (const bad of ['a'.repeat(65), '', 'a b', '../k', 'k\n']) expect(() => parseCommand(['rotate', '--state', '/s', '--kid', bad])).toThrow(/a kid is 1-64 of/);
  });
});
