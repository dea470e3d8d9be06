import { Metadata } from '@grpc/grpc-js';
import fc from 'fast-check';
import { CairnError } from '@cairn/contracts';
import { bearerToken, MAX_TOKEN_CHARS, requestIds } from './door';

const withAuthorization = (...values: string[]) => {
  const metadata = new Metadata();
  for (const value of values) metadata.add('authorization', value);
  return metadata;
};

describe('bearerToken', () => {
  it('takes exactly one "Bearer <b64token>" (RFC 6750), up to the longest token, case-insensitive scheme', () => {
    expect(bearerToken(withAuthorization('Bearer abc.DEF-_~+/.x=='))).toBe('abc.DEF-_~+/.x==');
    expect(bearerToken(withAuthorization('bearer abc'))).toBe('abc');
    const longest = 'a'.repeat(MAX_TOKEN_CHARS);
    expect(bearerToken(withAuthorization(`Bearer ${longest}`))).toBe(longest);
    expect(bearerToken(withAuthorization(`Bearer ${longest}a`))).toBeInstanceOf(CairnError);
  });

  // (grpc-js itself refuses metadata values with characters outside printable ASCII.)
  it('refuses every other shape with UNAUTHENTICATED and a message that never contains the value', () => {
    const refusals = ['', 'Bearer', 'Bearer ', 'Bearer  abc', 'Basic YWxpY2U6cHc=', 'Bearer abc def', 'Token abc', 'Bearer a=b', 'Bearer =abc'];
    for (const value of refusals) {
      const refused = bearerToken(withAuthorization(value));
      expect({ value, code: refused instanceof CairnError ? refused.code : refused }).toEqual({ value, code: 'UNAUTHENTICATED' });
    }
    expect(bearerToken(new Metadata())).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/no credentials/) });
    expect(bearerToken(withAuthorization('Bearer abc', 'Bearer def'))).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/more than one/) });
    fc.assert(
      fc.property(fc.stringMatching(/^[ -~]{8,200}$/), (value) => {
        const result = bearerToken(withAuthorization(`Bearer ${value}`));
        if (typeof result === 'string') {
          expect(result).toBe(value);
          expect(value).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
        } else {
          expect(result.code).toBe('UNAUTHENTICATED');
          expect(result.message).not.toContain(value);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('requestIds', () => {
  it('the top-level string fields named *Id, at most 8, each cut to 128 characters', () => {
    expect(requestIds({ jobId: 'j1', runId: 'r1', requestId: '', spec: { jobId: 'nested' }, name: 'x', count: 3 })).toEqual(['j1', 'r1']);
    expect(requestIds(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}Id`, `v${i}`])))).toHaveLength(8);
    expect(requestIds({ jobId: 'x'.repeat(1000) })).toEqual(['x'.repeat(128)]);
    expect(requestIds(null)).toEqual([]);
    expect(requestIds('jobId')).toEqual([]);
  });
});
