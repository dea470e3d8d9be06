/** What one item of a batch came to: its value, or its own error (the batch's other items stand). */
export type ItemOutcome<Result> = { value: Result } | { error: unknown };

interface Waiting<Item, Result> {
  item: Item;
  resolve(value: Result): void;
  reject(error: unknown): void;
}

/** How a TurnBatcher sends what it gathered. */
export interface TurnBatcherOptions<Item, Result> {
  /** Sends one item alone (a turn with one item, or one too large to share a request). */
  one(item: Item): Promise<Result>;
  /** Sends several items in one request: one outcome per item, in order; a throw fails every item of it. */
  many(items: Item[]): Promise<readonly ItemOutcome<Result>[]>;
  /** Most items one request carries. */
  maxItems: number;
  /** Most bytes of items one request carries (`size` counts them), asked at each send; an item over it goes alone. */
  maxBytes(): number;
  size(item: Item): number;
  /** Items that always go alone (by default none). */
  alone?(item: Item): boolean;
}

/**
 * Calls made in the same turn of the event loop go out together: each call waits only until
 * the loop's current turn has run (setImmediate), then what arrived meanwhile is sent in as
 * few requests as the limits allow, in arrival order. Requests are not serialised: a turn's
 * requests go out while earlier ones are still answered. A lone call goes out as itself.
 */
export class TurnBatcher<Item, Result> {
  private queue: Waiting<Item, Result>[] = [];

  constructor(private readonly options: TurnBatcherOptions<Item, Result>) {
    if (!Number.isInteger(options.maxItems) || options.maxItems < 1) throw new RangeError(`maxItems must be a positive integer, not ${options.maxItems}`);
  }

  /** Settles with the item's own answer, or with the error of the request that carried it. */
  add(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const gathered = this.queue;
    this.queue = [];
    let groups: Waiting<Item, Result>[][];
    try {
      groups = this.groups(gathered);
    } catch (error) {
      for (const waiting of gathered) waiting.reject(error);
      return;
    }
    for (const group of groups) {
      if (group.length === 1) {
        const [only] = group as [Waiting<Item, Result>];
        // A send that throws at once rejects like one that fails later (never an uncaught throw here).
        Promise.resolve()
          .then(() => this.options.one(only.item))
          .then(only.resolve, only.reject);
        continue;
      }
      const settle = (outcomes: readonly ItemOutcome<Result>[]) =>
        group.forEach((waiting, i) => {
          const outcome = outcomes[i];
          if (outcomes.length !== group.length || !outcome) waiting.reject(new Error(`${outcomes.length} answers for ${group.length} items`));
          else if ('value' in outcome) waiting.resolve(outcome.value);
          else waiting.reject(outcome.error);
        });
      Promise.resolve()
        .then(() => this.options.many(group.map((w) => w.item)))
        .then(settle, (error: unknown) => {
          for (const waiting of group) waiting.reject(error);
        });
    }
  }

  /** The gathered calls cut into requests: in order, within maxItems and maxBytes; an item over maxBytes or `alone` by itself. */
  private groups(gathered: Waiting<Item, Result>[]): Waiting<Item, Result>[][] {
    const maxBytes = this.options.maxBytes();
    const groups: Waiting<Item, Result>[][] = [];
    let current: Waiting<Item, Result>[] = [];
    let bytes = 0;
    for (const waiting of gathered) {
      let size = 0;
      let alone = this.options.alone?.(waiting.item) === true;
      try {
        if (!alone) size = this.options.size(waiting.item);
      } catch {
        // Not measurable (say, not serialisable): alone, so its own send reports why.
        alone = true;
      }
      if (current.length > 0 && (alone || current.length >= this.options.maxItems || bytes + size > maxBytes)) {
        groups.push(current);
        current = [];
        bytes = 0;
      }
      if (alone) {
        groups.push([waiting]);
        continue;
      }
      current.push(waiting);
      bytes += size;
    }
    if (current.length > 0) groups.push(current);
    return groups;
  }
}
