import { generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';

/** One signing key of the keystore file. */
export interface StoredKey {
  /** The private JWK (RS256, `use: sig`, with its `kid`). */
  jwk: JsonWebKey & { kid: string; alg: 'RS256'; use: 'sig' };
  /** When it was made (epoch seconds). */
  createdAt: number;
  /** When a newer key took over signing (epoch seconds); absent for the current key. */
  supersededAt?: number;
}

/** The keystore file: newest key first; the first key signs new tokens. */
export interface Keystore {
  keys: StoredKey[];
}

const KID = /^[A-Za-z0-9_-]{1,64}$/;

export function checkKid(kid: string): string {
  if (!KID.test(kid)) throw new Error(`dev-idp: a kid is 1-64 of A-Z a-z 0-9 _ -, not ${JSON.stringify(kid.slice(0, 80))}`);
  return kid;
}

/** A fresh RSA-2048 signing key with a random `kid` (or the one given). */
export function newSigningKey(now: number, kid?: string): StoredKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { jwk: { ...jwk, kid: checkKid(kid ?? randomBytes(9).toString('base64url')), alg: 'RS256', use: 'sig' }, createdAt: now };
}

/**
 * `next` becomes the signing key; the previous ones stay in the JWKS (so tokens they signed
 * still verify) until `retainSeconds` after they were superseded.
 */
export function rotate(store: Keystore, next: StoredKey, now: number, retainSeconds: number): Keystore {
  if (store.keys.some((k) => k.jwk.kid === next.jwk.kid)) throw new Error(`dev-idp: the keystore already has kid ${next.jwk.kid}`);
  const older = store.keys
    .map((k) => (k.supersededAt === undefined ? { ...k, supersededAt: now } : k))
    .filter((k) => now - (k.supersededAt ?? now) <= retainSeconds);
  return { keys: [next, ...older] };
}

/** Drops every key but the current one (tokens the others signed stop verifying). */
export function retireOld(store: Keystore): Keystore {
  const [current] = store.keys;
  return { keys: current ? [current] : [] };
}

export function currentKid(store: Keystore): string {
  const [current] = store.keys;
  if (!current) throw new Error('dev-idp: the keystore has no key');
  return current.jwk.kid;
}

/** The private JWKS oidc-provider signs with (its first RS256 key signs). */
export function signingJwks(store: Keystore): { keys: StoredKey['jwk'][] } {
  return { keys: store.keys.map((k) => k.jwk) };
}

export function parseKeystore(value: unknown, where: string): Keystore {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error(`dev-idp: ${where} has no keys`);
  for (const k of keys as unknown[]) {
    const entry = k as Partial<StoredKey> | null;
    const jwk = entry?.jwk;
    if (!jwk || jwk.kty !== 'RSA' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string' || !KID.test(jwk.kid) || typeof entry.createdAt !== 'number') {
      throw new Error(`dev-idp: ${where} holds a key that is not a private RS256 JWK with a kid`);
    }
  }
  return { keys: keys as StoredKey[] };
}
