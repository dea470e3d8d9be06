import fc from 'fast-check';
import { currentKid, type Keystore, newSigningKey, parseKeystore, retireOld, rotate, signingJwks, type StoredKey } from './keystore';

const key = (kid: string, createdAt: number, supersededAt?: number): StoredKey => ({
  jwk: { kty: 'RSA', n: 'n', e: 'AQAB', d: 'd', kid, alg: 'RS256', use: 'sig' },
  createdAt,
  ...(supersededAt === undefined ? {} : { supersededAt }),
});

describe('keystore', () => {
  it('a new key is a private RS256 signing JWK with a random URL-safe kid, or the one asked for', () => {
    const a = newSigningKey(100);
    const b = newSigningKey(100, 'chosen');
    expect(a.jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(typeof a.jwk.d).toBe('string');
    expect(a.jwk.kid).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(b.jwk.kid).toBe('chosen');
    expect(a.createdAt).toBe(100);
    expect(() => newSigningKey(100, 'bad kid')).toThrow(/a kid is 1-64 of/);
  });

  it('rotation puts the new key first, marks the old one superseded and keeps it for the retention time', () => {
    const one: Keystore = { keys: [key('one', 0)] };
    const two = rotate(one, key('two', 100), 100, 50);
    expect(two.keys.map((k) => [k.jwk.kid, k.supersededAt])).toEqual([
      ['two', undefined],
      ['one', 100],
    ]);
    expect(currentKid(two)).toBe('two');
    expect(rotate(two, key('three', 150), 150, 50).keys.map((k) => k.jwk.kid)).toEqual(['three', 'two', 'one']);
    expect(rotate(two, key('three', 151), 151, 50).keys.map((k) => k.jwk.kid)).toEqual(['three', 'two']);
    expect(() => rotate(two, key('one', 200), 200, 50)).toThrow('dev-idp: the keystore already has kid one');
  });

  it('after any rotations the newest key signs, kids are unique and no key outlives its retention', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 5000 }), (gaps, retain) => {
        let store: Keystore = { keys: [key('k0', 0)] };
        let now = 0;
        gaps.forEach((gap, i) => {
          now += gap;
          store = rotate(store, key(`k${i + 1}`, now), now, retain);
        });
        expect(currentKid(store)).toBe(`k${gaps.length}`);
        expect(new Set(store.keys.map((k) => k.jwk.kid)).size).toBe(store.keys.length);
        for (const k of store.keys.slice(1)) expect(now - (k.supersededAt ?? -1)).toBeLessThanOrEqual(retain);
        expect(signingJwks(store).keys[0]?.kid).toBe(currentKid(store));
      }),
      { numRuns: 200 },
    );
  });

  it('retiring keeps the current key only', () => {
    expect(retireOld({ keys: [key('b', 2), key('a', 1, 2)] }).keys.map((k) => k.jwk.kid)).toEqual(['b']);
  });

  it('reads a keystore file and refuses one without private keys or kids, without quoting it', () => {
    expect(parseKeystore({ keys: [key('a', 1)] }, 'f').keys).toHaveLength(1);
    const publicOnly = { keys: [{ jwk: { kty: 'RSA', n: 'n', e: 'AQAB', kid: 'a' }, createdAt: 1 }] };
    for (const bad of [null, {}, { keys: [] }, publicOnly, { keys: [{ jwk: { ...key('a', 1).jwk, kid: 'x y' }, createdAt: 1 }] }, { keys: [{ jwk: key('a', 1).jwk }] }]) {
      expect(() => parseKeystore(bad, '/state/signing-keys.json')).toThrow(/^dev-idp: \/state\/signing-keys.json (has no keys|holds a key that is not a private RS256 JWK with a kid)$/);
    }
  });
});
