import { decodeJwt, decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from 'jose';
import { CairnError, describeControl, unauthenticated } from '@cairn/contracts';
import type { IssuerConfig } from './identity-config';
import { IssuerKeys } from './issuer-keys';

/** Longest token looked at (a JWT with many group claims fits). */
export const MAX_TOKEN_CHARS = 16 * 1024;

/** A token's claims after every check passed, with the issuer it was verified against. */
export interface VerifiedToken {
  issuer: string;
  subject: string;
  claims: JWTPayload;
}

/**
 * Verifies access tokens of several issuers with jose. The issuer is chosen by the
 * token's `iss` (read unverified only to choose); then the signature is checked against
 * that issuer's keys alone (so a second provider reusing a `kid` gets nowhere), and the
 * issuer, audience, `exp` and `nbf` (with the issuer's clock skew) and the algorithm
 * (the issuer's asymmetric allow-list). Every failure is UNAUTHENTICATED with a short
 * reason that never contains the token.
 */
export class TokenVerifier {
  private readonly issuers = new Map<string, { config: IssuerConfig; keys: IssuerKeys }>();

  constructor(issuers: readonly IssuerConfig[], now: () => number = Date.now) {
    for (const config of issuers) this.issuers.set(config.issuer, { config, keys: new IssuerKeys(config, now) });
  }

  async verify(token: string): Promise<VerifiedToken> {
    if (token.length > MAX_TOKEN_CHARS) throw unauthenticated(`the token is longer than ${MAX_TOKEN_CHARS} characters`);
    let peekedIssuer: unknown;
    try {
      decodeProtectedHeader(token);
      peekedIssuer = decodeJwt(token).iss;
    } catch {
      throw unauthenticated('the token is not a well-formed JWT');
    }
    const issuer = typeof peekedIssuer === 'string' ? this.issuers.get(peekedIssuer) : undefined;
    if (!issuer) throw unauthenticated('the token was issued by an issuer this gateway does not accept');
    const keys = await issuer.keys.resolver();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: issuer.config.issuer,
        audience: issuer.config.audience,
        algorithms: issuer.config.algorithms,
        clockTolerance: issuer.config.clockSkewSeconds,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw reasonFor(error, issuer.config.issuer);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 256 || describeControl(payload.sub)) throw unauthenticated('the token has no usable subject (sub)');
    return { issuer: issuer.config.issuer, subject: payload.sub, claims: payload };
  }
}

/** A short reason for a failed verification: what was wrong, never the token or its claims. */
function reasonFor(error: unknown, issuer: string): CairnError {
  if (error instanceof errors.JWTExpired) return unauthenticated('the token has expired; log in again (cairn login)');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return unauthenticated('the token is not valid yet (nbf)');
      case 'aud':
        return unauthenticated('the token is not meant for this gateway (aud)');
      case 'iss':
        return unauthenticated('the token issuer does not match');
      case 'iat':
        return unauthenticated('the token was issued in the future (iat)');
      default:
        return unauthenticated(`the token's claim ${error.claim.slice(0, 32)} failed its check`);
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return unauthenticated('the token is signed with an algorithm this gateway does not accept');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return unauthenticated('the token is signed with a key the issuer does not publish');
  if (error instanceof errors.JWSSignatureVerificationFailed) return unauthenticated('the token signature is invalid');
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
    return new CairnError('UNAVAILABLE', `cannot get the signing keys of ${issuer}; try again later`);
  }
  return unauthenticated('the token is not valid');
}
