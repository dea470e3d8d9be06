/**
 * Answers kept for a while: `get(key, compute)` runs `compute` at most once per key per
 * `ttlMs`, and callers that ask while it runs share its answer. A rejection is not kept (a
 * transient failure is asked again next time); an answer that carries a refusal is. At most
 * `max` keys: emptied when full, so memory stays bounded whatever keys callers send.
 */
export class TtlMemo<K, V> {
  private readonly entries = new Map<K, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly max = 10_000,
  ) {}

  get(key: K, compute: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.at < this.ttlMs) return entry.value;
    if (this.entries.size >= this.max) this.entries.clear();
    const fresh = { at: this.now(), value: compute() };
    this.entries.set(key, fresh);
    fresh.value.catch(() => {
      if (this.entries.get(key) === fresh) this.entries.delete(key);
    });
    return fresh.value;
  }
}
