/**
 * Items handed on in batches, in arrival order: a batch is what is queued (at most
 * `maxBatch`) once its oldest item has waited `gatherMs`, or at once when `maxBatch` are
 * queued or the queue has ended. With `gatherMs` 0 a batch is whatever arrived while the
 * previous one was handled. A consumer that is slower than `gatherMs` never waits: items
 * queued meanwhile are due. One consumer calls `next` at a time.
 */
export class BatchQueue<T> {
  private readonly items: Array<{ item: T; at: number }> = [];
  private ended = false;
  private wake?: () => void;

  constructor(
    private readonly maxBatch: number,
    private readonly gatherMs = 0,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, not ${maxBatch}`);
    if (!Number.isFinite(gatherMs) || gatherMs < 0) throw new RangeError(`gatherMs must be a finite number of at least 0, not ${gatherMs}`);
  }

  push(item: T): void {
    this.items.push({ item, at: this.now() });
    this.wake?.();
  }

  /** No more items: what is queued is handed on at once, then `next` answers undefined. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** The next batch once it is due (never empty); undefined once the queue has ended and is empty. */
  async next(): Promise<T[] | undefined> {
    for (;;) {
      const oldest = this.items[0];
      if (!oldest) {
        if (this.ended) return undefined;
        await this.sleep();
        continue;
      }
      const wait = this.ended || this.items.length >= this.maxBatch ? 0 : oldest.at + this.gatherMs - this.now();
      if (wait <= 0) return this.items.splice(0, this.maxBatch).map((queued) => queued.item);
      await this.sleep(wait);
    }
  }

  /** Until an item comes or the queue ends (or `ms` passed). */
  private sleep(ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
