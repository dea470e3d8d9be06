/**
 * When the agent's poller lists its jobs: at every tick while something changes, then,
 * while listings change nothing, every 2nd, 4th, 8th ... tick up to `maxFactor` ticks
 * apart; at the next tick again once urged (a submission or a cancel). One tick never
 * lists twice: a tick asks `due()` once and reports the listing with `listed()`.
 */
export class PollBackoff {
  /** Ticks between two listings now: 1 (every tick) to maxFactor. */
  private factor = 1;
  /** Ticks since the last listing. */
  private waited = 0;
  private urged = true;

  constructor(private readonly maxFactor: number) {
    if (!Number.isInteger(maxFactor) || maxFactor < 1) throw new Error(`invalid back-off factor ${maxFactor}`);
  }

  /** Whether this tick lists (when it does, it must call listed()). */
  due(): boolean {
    this.waited += 1;
    return this.urged || this.waited >= this.factor;
  }

  /** The listing this tick made: whether anything it followed changed. */
  listed(changed: boolean): void {
    this.urged = false;
    this.waited = 0;
    this.factor = changed ? 1 : Math.min(this.factor * 2, this.maxFactor);
  }

  /** Something is about to change (a job was submitted or cancelled): list at the next tick. */
  urge(): void {
    this.urged = true;
    this.factor = 1;
  }

  /** Ticks between listings now (for tests and logs). */
  currentFactor(): number {
    return this.factor;
  }
}

/** The back-off factor for a poll interval and the longest interval allowed (at least 1). */
export function backoffFactor(pollMs: number, maxPollMs: number): number {
  return Math.max(1, Math.floor(maxPollMs / pollMs));
}
