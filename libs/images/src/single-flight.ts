/**
 * Joins concurrent calls with the same key: while one is under way, the others get its
 * promise (one registry request however many submissions ask at once). A settled call is
 * forgotten: the next one runs again.
 */
export class SingleFlight<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const started = Promise.resolve()
      .then(work)
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  /** Calls under way now. */
  get size(): number {
    return this.inFlight.size;
  }
}
