import type { Principal } from '@cairn/contracts';
import { VERIFIED_TOKEN_MAX_AGE_MS, VERIFIED_TOKEN_MAX_ENTRIES, VerifiedTokens } from './verified-tokens';

const alice: Principal = { issuer: 'https://idp', subject: 'a', name: 'alice', posixUser: 'alice', accounts: [], roles: ['user'], projects: [] };

describe('VerifiedTokens (on a given clock)', () => {
  it('answers for a token until its exp, and never longer than the maximum age', () => {
    let now = 1_000_000;
    const cache = new VerifiedTokens(() => now);
    cache.set('short', alice, now + 5_000);
    cache.set('long', alice, now + 3_600_000);
    expect(cache.get('short')).toBe(alice);
    now += 5_000;
    expect(cache.get('short')).toBeUndefined();
    expect(cache.get('long')).toBe(alice);
    now += VERIFIED_TOKEN_MAX_AGE_MS - 5_000;
    expect(cache.get('long')).toBeUndefined();
    cache.set('expired', alice, now);
    expect(cache.get('expired')).toBeUndefined();
    expect(cache.get('never-seen')).toBeUndefined();
  });

  it(`keeps at most ${VERIFIED_TOKEN_MAX_ENTRIES} tokens, forgetting the oldest first`, () => {
    const cache = new VerifiedTokens(() => 0);
    for (let i = 0; i < VERIFIED_TOKEN_MAX_ENTRIES; i += 1) cache.set(`t${i}`, alice, 60_000);
    expect(cache.size).toBe(VERIFIED_TOKEN_MAX_ENTRIES);
    expect(cache.get('t0')).toBe(alice);
    cache.set('one-more', alice, 60_000);
    expect(cache.size).toBe(VERIFIED_TOKEN_MAX_ENTRIES);
    // t0 was set first (reading does not refresh it): gone; the rest stay.
    expect(cache.get('t0')).toBeUndefined();
    expect(cache.get('t1')).toBe(alice);
    expect(cache.get('one-more')).toBe(alice);
  });

});
