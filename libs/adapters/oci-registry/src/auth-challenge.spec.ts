import fc from 'fast-check';
import { MAX_CHALLENGE_CHARS, parseAuthChallenges } from './auth-challenge';

describe('parseAuthChallenges', () => {
  it("reads Docker Hub's Bearer challenge", () => {
    expect(
      parseAuthChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'),
    ).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' } },
    ]);
  });

  it('keeps commas and escaped quotes inside quoted values, and lower-cases scheme and names', () => {
    expect(parseAuthChallenges('BEARER Realm="http://127.0.0.1:5003/token", Scope="repository:a/b:pull,push", error="say \\"no\\""')).toEqual([
      { scheme: 'bearer', params: { realm: 'http://127.0.0.1:5003/token', scope: 'repository:a/b:pull,push', error: 'say "no"' } },
    ]);
  });

  it('reads a Basic challenge and several challenges in one header', () => {
    expect(parseAuthChallenges('Basic realm="Registry Realm"')).toEqual([{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
    expect(parseAuthChallenges('Basic realm="r", Bearer realm="https://a/t",service=s')).toEqual([
      { scheme: 'basic', params: { realm: 'r' } },
      { scheme: 'bearer', params: { realm: 'https://a/t', service: 's' } },
    ]);
    expect(parseAuthChallenges('Negotiate, Basic realm=x')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
  });

  it('gives nothing for no header, an empty one, or one over the limit', () => {
    expect(parseAuthChallenges(null)).toEqual([]);
    expect(parseAuthChallenges('')).toEqual([]);
    expect(parseAuthChallenges(`Bearer realm="${'a'.repeat(MAX_CHALLENGE_CHARS)}"`)).toEqual([]);
  });

  it('never throws and never loops on arbitrary text (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'Bearer realm="\\, =\t;basic"x'), maxLength: 200 }), (header) => {
        const challenges = parseAuthChallenges(header);
        for (const c of challenges) expect(c.scheme).toMatch(/^[!#$%&'*+\-.^_`|~0-9a-z]+$/);
      }),
      { numRuns: 500 },
    );
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (header) => void parseAuthChallenges(header)), { numRuns: 300 });
  });
});
