import { createHash } from 'node:crypto';
import type { Principal } from '@cairn/contracts';

/** A verified token's caller is kept at most this long (and never past the token's `exp`). */
export const VERIFIED_TOKEN_MAX_AGE_MS = 60_000;
/** At most this many tokens are remembered; past it, the oldest is forgotten. */
export const VERIFIED_TOKEN_MAX_ENTRIES = 10_000;

/**
 * The callers of tokens verified and mapped a moment ago, so a client's next calls with
 * the same token cost a hash instead of a signature check, a mapping (maybe a command)
 * and a schema check. Keyed by the token's SHA-256: the token itself is not kept. Only
 * successes are kept; a refused token is checked again every time.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(token: string): Principal | undefined {
    const key = digest(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.until) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  /** Remembers the caller until `expiresAtMs` (the token's exp with the skew), at most VERIFIED_TOKEN_MAX_AGE_MS. */
  set(token: string, principal: Principal, expiresAtMs: number): void {
    const until = Math.min(expiresAtMs, this.now() + VERIFIED_TOKEN_MAX_AGE_MS);
    if (until <= this.now()) return;
    const key = digest(token);
    this.entries.delete(key);
    if (this.entries.size >= VERIFIED_TOKEN_MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { principal, until });
  }

  get size(): number {
    return this.entries.size;
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
