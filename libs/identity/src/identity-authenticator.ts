import type { JWTPayload } from 'jose';
import { ProcessRepository } from '@cairn/adapters/process';
import { CairnError, denied, describeControl, type Principal, principalSchema } from '@cairn/contracts';
import type { Authentication, Authenticator } from '@cairn/grpc-server';
import { claimText } from './claim-template';
import type { IdentityConfig, MappingFile } from './identity-config';
import { IdentityMapping } from './identity-mapping';
import { RateLimiter } from './rate-limiter';
import { rolesOf } from './roles';
import { TokenVerifier } from './token-verifier';
import { VerifiedTokens } from './verified-tokens';

/**
 * The gateway's authenticator: verifies the token (TokenVerifier), maps the identity to a
 * POSIX user and accounts (IdentityMapping), gives roles from the groups claim, and
 * counts the person's requests (RateLimiter). A token verified and mapped a moment ago is
 * answered from VerifiedTokens (at most a minute, never past its exp); the rate limit
 * counts every call.
 */
export class IdentityAuthenticator implements Authenticator {
  private readonly verifier: TokenVerifier;
  private readonly mapping: IdentityMapping;
  private readonly limiter: RateLimiter;
  private readonly verified: VerifiedTokens;
  private readonly now: () => number;

  constructor(
    private readonly config: IdentityConfig,
    mappingFile: MappingFile,
    options: { processes?: ProcessRepository; now?: () => number } = {},
  ) {
    this.verifier = new TokenVerifier(config.issuers, options.now);
    this.mapping = new IdentityMapping(config.mapping, mappingFile, options.processes ?? new ProcessRepository());
    this.limiter = new RateLimiter(config.rateLimit, options.now);
    this.now = options.now ?? Date.now;
    this.verified = new VerifiedTokens(this.now);
  }

  async authenticate(token: string): Promise<Authentication> {
    const known = this.verified.get(token);
    if (known) {
      try {
        this.limiter.take(`${known.issuer}\u0000${known.subject}`);
        return { ok: true, principal: known };
      } catch (error) {
        return { ok: false, issuer: known.issuer, subject: known.subject, posixUser: known.posixUser, error: asCairnError(error) };
      }
    }
    let issuer: string;
    let subject: string;
    let claims: JWTPayload;
    try {
      ({ issuer, subject, claims } = await this.verifier.verify(token));
    } catch (error) {
      return { ok: false, error: asCairnError(error) };
    }
    const who = { issuer, subject };
    try {
      this.limiter.take(`${issuer}\u0000${subject}`);
      // The first candidate that can be shown as it is (no control characters, at most 256).
      const name = [claimText(claims, this.config.nameClaim), claimText(claims, 'email'), subject].find((candidate) => candidate !== undefined && candidate !== '' && candidate.length <= 256 && !describeControl(candidate)) ?? subject;
      const mapped = await this.mapping.map(issuer, subject, claims);
      if (!mapped) {
        return {
          ok: false,
          ...who,
          error: denied(`${name} (subject ${subject.slice(0, 64)} of ${issuer}) is not mapped to a POSIX user here; ask your Cairn administrator to map this identity`),
        };
      }
      const { roles, projects } = rolesOf(claims, this.config);
      const principal: Principal = principalSchema.parse({ issuer, subject, name, posixUser: mapped.posixUser, accounts: mapped.accounts, roles, projects });
      const skew = this.config.issuers.find((configured) => configured.issuer === issuer)?.clockSkewSeconds ?? 0;
      if (typeof claims.exp === 'number') this.verified.set(token, principal, (claims.exp + skew) * 1000);
      return { ok: true, principal };
    } catch (error) {
      return { ok: false, ...who, error: asCairnError(error) };
    }
  }
}

function asCairnError(error: unknown): CairnError {
  return error instanceof CairnError ? error : new CairnError('UNAVAILABLE', 'the identity check failed; try again later');
}
