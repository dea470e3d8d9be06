import { Metadata } from '@grpc/grpc-js';
import fc from 'fast-check';
import { CairnError } from '@cairn/contracts';
import { bearerToken, callPeer, MAX_TOKEN_CHARS, PORTAL_PEER_HEADER, requestIds } from './door';

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

describe('callPeer', () => {
  const call = (peer: string, ...portalPeers: string[]) => {
    const metadata = new Metadata();
    for (const p of portalPeers) metadata.add(PORTAL_PEER_HEADER, p);
    return { getPeer: () => peer, metadata };
  };

  it("is grpc-js's peer for a TCP client, whatever it claims", () => {
    expect(callPeer(call('ipv4:10.0.0.5:51234'))).toBe('ipv4:10.0.0.5:51234');
    expect(callPeer(call('ipv4:10.0.0.5:51234', '192.0.2.1'))).toBe('ipv4:10.0.0.5:51234');
  });

  it('names the browser for a call over the local socket (the portal), when the portal gives a plain address', () => {
    expect(callPeer(call('unknown', '192.0.2.7'))).toBe('portal 192.0.2.7');
    expect(callPeer(call('unknown', '::ffff:127.0.0.1'))).toBe('portal ::ffff:127.0.0.1');
    for (const bad of [[], ['a', 'b'], ['192.0.2.1 extra'], ['x'.repeat(46)]]) expect(callPeer(call('unknown', ...bad))).toBe('unknown');
  });
});
