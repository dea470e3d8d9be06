import fc from 'fast-check';
import { credentialsMatch, parseBasic } from './credentials';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('parseBasic', () => {
  it('reads user and password (the password may hold colons)', () => {
    expect(parseBasic(basic('cairn-dev:pa:ss'))).toEqual({ user: 'cairn-dev', password: 'pa:ss' });
    expect(parseBasic(undefined)).toBeUndefined();
  });

  it('calls anything else malformed, never throwing', () => {
    for (const header of ['', 'Bearer abc', 'Basic', 'Basic !!!', basic('no-colon'), basic(':no-user')]) expect(parseBasic(header)).toBe('malformed');
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        const parsed = parseBasic(header);
        expect(parsed === 'malformed' || (typeof parsed === 'object' && parsed.user.length > 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('credentialsMatch', () => {
  const expected = { user: 'cairn-dev', password: 'a-long-enough-password' };
  it('matches only when both user and password are equal', () => {
    expect(credentialsMatch({ ...expected }, expected)).toBe(true);
    expect(credentialsMatch({ ...expected, password: 'a-long-enough-passworD' }, expected)).toBe(false);
    expect(credentialsMatch({ ...expected, user: 'alice' }, expected)).toBe(false);
    expect(credentialsMatch({ user: 'cairn-dev', password: '' }, expected)).toBe(false);
  });
});
