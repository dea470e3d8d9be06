/** What one item of a batch came to: its value, or its own refusal (the batch's other items stand). */
export type ItemOutcome<Result> = { value: Result } | { error: unknown };

/** Commits a batch atomically (one statement or one transaction): one outcome per item, in the items' order; a throw fails the whole batch. */
export type CommitBatch<Item, Result> = (items: readonly Item[]) => Promise<readonly ItemOutcome<Result>[]>;

/** Most items one commit takes (the rest wait for the next). */
export const DEFAULT_MAX_BATCH = 64;

interface Waiting<Item, Result> {
  item: Item;
  resolve(value: Result): void;
  reject(error: unknown): void;
}

/**
 * Group commit: items that arrive while a commit runs are committed together in the next one,
 * so concurrent submissions share one commit (and one WAL flush) instead of queueing for
 * one each. One commit runs at a time, batches keep the arrival order and take at most
 * `maxBatch` items. An item's promise settles only once the commit of its batch has returned:
 * with its own outcome when the commit succeeded, with the commit's error for every item of
 * the batch when it failed (nothing of the batch was committed, none is acknowledged). A lone
 * item waits only for the current turn of the event loop, so that items arriving together
 * go together.
 */
export class GroupCommit<Item, Result> {
  private readonly queue: Waiting<Item, Result>[] = [];
  private draining = false;

  constructor(
    private readonly commit: CommitBatch<Item, Result>,
    private readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, not ${maxBatch}`);
  }

  /** Settles once the item's batch was committed (its outcome) or failed (the commit's error). */
  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.draining) return;
      this.draining = true;
      setImmediate(() => void this.drain());
    });
  }

  /** Items waiting for a commit (not counting the batch being committed). */
  get waiting(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      let outcomes: readonly ItemOutcome<Result>[];
      try {
        outcomes = await this.commit(batch.map((w) => w.item));
        if (outcomes.length !== batch.length) throw new Error(`group commit: ${outcomes.length} outcomes for a batch of ${batch.length}`);
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
        continue;
      }
      batch.forEach((waiting, i) => {
        const outcome = outcomes[i];
        if (outcome && 'value' in outcome) waiting.resolve(outcome.value);
        else waiting.reject(outcome?.error);
      });
    }
    this.draining = false;
  }
}
