/**
 * A counting limit on requests handled at once. `acquire` resolves when a slot is free
 * (at once below the limit, else when a running request releases one, first come first
 * served); every acquired slot must be released exactly once.
 */
export class RequestSlots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`request slots: limit must be a whole number of at least 1, got ${limit}`);
  }

  /** Requests running now (at most `limit`). */
  get inUse(): number {
    return this.running;
  }

  acquire(): Promise<void> {
    if (this.running < this.limit) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    // A waiter takes the freed slot over: the count stays the same.
    if (next) next();
    else this.running = Math.max(0, this.running - 1);
  }
}
