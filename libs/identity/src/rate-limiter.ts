import { exhausted } from '@cairn/contracts';

export interface RateLimit {
  /** Requests a person may make per second, on average. */
  perSecond: number;
  /** Requests a person may make at once after a quiet spell. */
  burst: number;
}

/** Most people tracked at once; past it, the buckets that are full again are forgotten. */
const MAX_TRACKED = 100_000;

/** A token bucket per person: `burst` requests, refilled at `perSecond`. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request from the person's bucket, or throws RESOURCE_EXHAUSTED. */
  take(person: string): void {
    const now = this.now();
    const bucket = this.buckets.get(person) ?? { tokens: this.limit.burst, at: now };
    const tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    // A refusal leaves the bucket as it was: the refill is computed from the last request let in.
    if (tokens < 1) {
      throw exhausted(`too many requests: at most ${this.limit.perSecond} per second (bursts of ${this.limit.burst}) per person; slow down and retry`);
    }
    if (!this.buckets.has(person) && this.buckets.size >= MAX_TRACKED) this.forgetFull(now);
    this.buckets.set(person, { tokens: tokens - 1, at: now });
  }

  private forgetFull(now: number): void {
    for (const [person, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(person);
    }
  }

  /** People tracked now. */
  get size(): number {
    return this.buckets.size;
  }
}
