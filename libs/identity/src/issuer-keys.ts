import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { CairnError } from '@cairn/contracts';
import type { IssuerConfig } from './identity-config';

/** A failed discovery is retried at most once per this many milliseconds. */
export const DISCOVERY_RETRY_MS = 5_000;
const FETCH_TIMEOUT_MS = 5_000;
const MAX_DISCOVERY_BYTES = 256 * 1024;

/**
 * One issuer's signing keys: its discovery document (fetched once, and checked to name
 * the configured issuer), then its JWKS, cached by jose's remote key set. A token whose
 * `kid` is not in the cached set makes it refetch the set, at most once per
 * `jwksRefetchSeconds` (default 30), so rotated keys are picked up without a restart.
 */
export class IssuerKeys {
  private keys?: Promise<JWTVerifyGetKey>;
  private failedAt = -Infinity;

  constructor(
    private readonly config: IssuerConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** The key resolver for jose's jwtVerify; UNAVAILABLE while the issuer cannot be reached. */
  async resolver(): Promise<JWTVerifyGetKey> {
    if (!this.keys) {
      if (this.now() - this.failedAt < DISCOVERY_RETRY_MS) throw this.unreachable();
      this.keys = this.discover();
      this.keys.catch(() => {
        this.keys = undefined;
        this.failedAt = this.now();
      });
    }
    return this.keys;
  }

  private async discover(): Promise<JWTVerifyGetKey> {
    const where = this.config.discoveryUrl ?? `${this.config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      const response = await fetch(where, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const text = await response.text();
      if (text.length > MAX_DISCOVERY_BYTES) throw new Error('discovery document too large');
      document = JSON.parse(text);
    } catch {
      throw this.unreachable();
    }
    const issuer = typeof document === 'object' && document !== null && 'issuer' in document ? document.issuer : undefined;
    const jwksUri = typeof document === 'object' && document !== null && 'jwks_uri' in document ? document.jwks_uri : undefined;
    if (issuer !== this.config.issuer || typeof jwksUri !== 'string') {
      throw new CairnError('UNAVAILABLE', `the identity provider ${this.config.issuer} published a discovery document for another issuer or without jwks_uri`);
    }
    return createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: this.config.jwksRefetchSeconds * 1000, timeoutDuration: FETCH_TIMEOUT_MS });
  }

  private unreachable(): CairnError {
    return new CairnError('UNAVAILABLE', `cannot reach the identity provider ${this.config.issuer}; try again later`);
  }
}
