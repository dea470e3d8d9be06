import fc from 'fast-check';
import { safeReturnTo, sameOrigin } from './request-checks';

describe('safeReturnTo', () => {
  it.each([
    ['/', '/'],
    ['/submit', '/submit'],
    ['/workflows/8f2c?tab=dag#metrics', '/workflows/8f2c?tab=dag#metrics'],
    ['/experiments?name=active%20learning', '/experiments?name=active%20learning'],
    ['/a/../jobs/1', '/jobs/1'],
    // Percent-encoded CR LF stay encoded: nothing can split the Location header.
    ['/%0d%0aSet-Cookie:x', '/%0d%0aSet-Cookie:x'],
  ])('keeps the same-origin path %s as %s', (input, output) => expect(safeReturnTo(input)).toBe(output));

  it.each([
    null,
    undefined,
    '',
    '//evil.example/x',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    'evil.example',
    '/..//evil.example',
    '/a//b',
    '/\t/evil.example',
    '/ /x',
    '/\r\nSet-Cookie:x',
    `/${'a'.repeat(2048)}`,
  ])('turns %j into /', (input) => expect(safeReturnTo(input)).toBe('/'));

  it('always answers a path of the portal itself, whatever it is given (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.webUrl(), fc.string({ maxLength: 60 }).map((s) => `/${s}`), fc.string({ maxLength: 30 }).map((s) => `//${s}`)), (input) => {
        const out = safeReturnTo(input);
        expect(out.startsWith('/')).toBe(true);
        expect(out.startsWith('//')).toBe(false);
        expect([...out].some((c) => c === '\\' || c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) === 0x7f)).toBe(false);
        // A browser resolves it against the portal and stays there.
        expect(new URL(out, 'https://portal.example').origin).toBe('https://portal.example');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('sameOrigin', () => {
  const portal = 'https://cairn.example.edu';
  it('accepts the portal\'s exact origin, and no other', () => {
    expect(sameOrigin({ origin: portal }, portal)).toBe(true);
    for (const other of ['', 'https://cairn.example.edu:443', 'http://cairn.example.edu', 'https://cairn.example.edu.evil', 'https://evil.example', 'https://cairn.example.edu/']) {
      expect(sameOrigin({ origin: other }, portal)).toBe(false);
      // A browser's Fetch Metadata cannot make another origin the portal's.
      expect(sameOrigin({ origin: other, 'sec-fetch-site': 'same-origin' }, portal)).toBe(false);
    }
    expect(sameOrigin({ origin: [portal, portal] }, portal)).toBe(false);
  });

  it('accepts a withheld origin ("null" under no-referrer, or none) only when the browser says same-origin', () => {
    expect(sameOrigin({ origin: 'null', 'sec-fetch-site': 'same-origin' }, portal)).toBe(true);
    expect(sameOrigin({ 'sec-fetch-site': 'same-origin' }, portal)).toBe(true);
    for (const site of [undefined, 'same-site', 'cross-site', 'none']) {
      expect(sameOrigin({ origin: 'null', ...(site === undefined ? {} : { 'sec-fetch-site': site }) }, portal)).toBe(false);
      expect(sameOrigin(site === undefined ? {} : { 'sec-fetch-site': site }, portal)).toBe(false);
    }
  });
});
