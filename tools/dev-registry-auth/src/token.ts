import { randomUUID, sign, type KeyObject } from 'node:crypto';
import type { ResourceScope } from './scope';

/** The key that signs and the DER of its (self-signed) certificate, sent as `x5c`. */
export interface Signer {
  key: KeyObject;
  certDer: Buffer;
}

export interface TokenRequest {
  issuer: string;
  /** The registry's `service`, the token's `aud`. */
  service: string;
  /** The user; empty for an anonymous request. */
  subject: string;
  access: ResourceScope[];
  /** Seconds since the epoch. */
  now: number;
  ttlSeconds: number;
}

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/**
 * A JWT as distribution's token auth reads it: RS256, the certificate chain in `x5c`
 * (standard base64 DER, the registry checks it against its rootcertbundle), and the claims
 * iss, sub, aud, exp, nbf, iat, jti and access.
 */
export function signRegistryToken(request: TokenRequest, signer: Signer): string {
  const header = { typ: 'JWT', alg: 'RS256', x5c: [signer.certDer.toString('base64')] };
  const claims = {
    iss: request.issuer,
    sub: request.subject,
    aud: request.service,
    exp: request.now + request.ttlSeconds,
    // A little before now: the registry's clock may be behind (it allows some leeway too).
    nbf: request.now - 5,
    iat: request.now,
    jti: randomUUID(),
    access: request.access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), signer.key);
  return `${input}.${b64url(signature)}`;
}
