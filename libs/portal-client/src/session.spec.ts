import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { loginUrl, parseSession, safeReturnTo } from './session';

describe('returnTo', () => {
  it('keeps a same-origin path with its query', () => {
    expect(loginUrl('/jobs/abc?tab=out')).toBe('/auth/login?returnTo=%2Fjobs%2Fabc%3Ftab%3Dout');
    expect(safeReturnTo('/templates/align-reads')).toBe('/templates/align-reads');
  });

  it('turns anything that could leave the origin into "/"', () => {
    for (const bad of ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', '', 'jobs/1', '/a\nb', '/auth/login?returnTo=/x']) {
      expect(safeReturnTo(bad)).toBe('/');
    }
  });

  it('always builds a login URL whose returnTo decodes to a path starting with exactly one "/"', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (path) => {
        const url = new URL(loginUrl(path), 'https://portal.example');
        expect(url.origin).toBe('https://portal.example');
        expect(url.pathname).toBe('/auth/login');
        const back = url.searchParams.get('returnTo') ?? '';
        expect(back.startsWith('/')).toBe(true);
        expect(back.startsWith('//')).toBe(false);
        expect(new URL(back, 'https://portal.example').origin).toBe('https://portal.example');
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseSession', () => {
  it('reads the fields the portal server sends and nothing else', () => {
    expect(parseSession({ authenticated: true, name: 'alice', expiresAt: '2026-12-01T20:00:00Z', accessToken: 'x' })).toEqual({
      authenticated: true,
      name: 'alice',
      expiresAt: '2026-12-01T20:00:00Z',
    });
    expect(parseSession({ authenticated: false })).toEqual({ authenticated: false, name: undefined, expiresAt: undefined });
  });

  it('refuses what is not a session', () => {
    for (const bad of [null, 'yes', 1, {}, { authenticated: 'true' }, []]) expect(() => parseSession(bad)).toThrow(/not a session/);
  });
});
