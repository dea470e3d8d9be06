/** The bounds of a gateway's memory of answers (shared by a shelf and its siblings). */
export interface KeptAnswersLimits {
  /** At most this many answers are kept (all shelves together); past it the least recently used go. */
  maxEntries: number;
  /** At most this many characters of answers (their JSON, about bytes, and their keys; all shelves together). */
  maxChars: number;
  /** An answer is given back for at most this long after it was kept (ms); then it is a miss. */
  confirmMs: number;
}

interface Kept<V> {
  value: V;
  chars: number;
  /** When it was kept (ms). */
  at: number;
}

/** What a shelf shares with its siblings: the bounds, the clock, whether it answers, and what all hold. */
interface Shared {
  readonly limits: KeptAnswersLimits;
  readonly now: () => number;
  readonly shelves: { readonly kept: Map<string, Kept<unknown>> }[];
  live: boolean;
  chars: number;
  entries: number;
}

/**
 * Answers a gateway got from the scheduler, kept to be given again (ADR 0019): the
 * bookkeeping only, what may be answered and when an answer goes is the user's. An answer
 * is given back (`get`) only while the memory is open and within `confirmMs` of being kept;
 * the least recently used go past `maxEntries` or `maxChars`. Kinds of answers are kept on
 * sibling shelves (`sibling`) that share the bounds, the clock and open/close: past a bound
 * the oldest-kept of the shelves' least recently used goes (the earlier shelf on a tie).
 */
export class KeptAnswers<V> {
  private readonly kept = new Map<string, Kept<V>>();

  private constructor(private readonly shared: Shared) {
    shared.shelves.push({ kept: this.kept });
  }

  /** A memory of one shelf (add others with `sibling`); closed until `open`. */
  static create<V>(limits: KeptAnswersLimits, now: () => number = Date.now): KeptAnswers<V> {
    return new KeptAnswers<V>({ limits, now, shelves: [], live: false, chars: 0, entries: 0 });
  }

  /** Another shelf, for another kind of answers, sharing this one's bounds, clock and open/close. */
  sibling<W>(): KeptAnswers<W> {
    return new KeptAnswers<W>(this.shared);
  }

  /** Whether answers are given and kept (between `open` and `close`). */
  get live(): boolean {
    return this.shared.live;
  }

  /** Answer from now on (every shelf, from empty). */
  open(): void {
    this.forget();
    this.shared.live = true;
  }

  /** Forget everything on every shelf and answer nothing until `open`. */
  close(): void {
    this.forget();
    this.shared.live = false;
  }

  /** The answer kept for `key` if open and still within the confirm window (then it is the most recently used); otherwise undefined (and an expired one goes). */
  get(key: string): V | undefined {
    if (!this.shared.live) return undefined;
    const kept = this.kept.get(key);
    if (!kept) return undefined;
    if (this.shared.now() - kept.at > this.shared.limits.confirmMs) {
      this.drop(this.kept, key, kept);
      return undefined;
    }
    this.kept.delete(key);
    this.kept.set(key, kept);
    return kept.value;
  }

  /**
   * Keep `value` for `key` (replacing any), counted as `chars` (by default its JSON and the
   * key), then drop the least recently used while over a bound. Ignored while closed.
   */
  set(key: string, value: V, chars = JSON.stringify(value).length + key.length): void {
    if (!this.shared.live) return;
    const old = this.kept.get(key);
    if (old) this.drop(this.kept, key, old);
    this.kept.set(key, { value, chars, at: this.shared.now() });
    this.shared.chars += chars;
    this.shared.entries += 1;
    const { limits } = this.shared;
    while (this.shared.entries > 0 && (this.shared.chars > limits.maxChars || this.shared.entries > limits.maxEntries)) {
      let oldest: { kept: Map<string, Kept<unknown>>; key: string; entry: Kept<unknown> } | undefined;
      for (const shelf of this.shared.shelves) {
        const head = shelf.kept.entries().next();
        if (!head.done && (!oldest || head.value[1].at < oldest.entry.at)) oldest = { kept: shelf.kept, key: head.value[0], entry: head.value[1] };
      }
      if (!oldest) break;
      this.drop(oldest.kept, oldest.key, oldest.entry);
    }
  }

  /** Drop the answer kept for `key`, if any. */
  delete(key: string): void {
    const kept = this.kept.get(key);
    if (kept) this.drop(this.kept, key, kept);
  }

  /** Drop every answer of this shelf. */
  clear(): void {
    for (const [key, kept] of this.kept) this.drop(this.kept, key, kept);
  }

  /** The kept answers of this shelf, least recently used first, expired or not (dropping one while iterating is fine). */
  *entries(): IterableIterator<[string, V]> {
    for (const [key, kept] of this.kept) yield [key, kept.value];
  }

  /** How many answers this shelf keeps. */
  get size(): number {
    return this.kept.size;
  }

  /** How many characters all shelves keep. */
  get chars(): number {
    return this.shared.chars;
  }

  private drop<T>(map: Map<string, Kept<T>>, key: string, kept: Kept<T>): void {
    map.delete(key);
    this.shared.chars -= kept.chars;
    this.shared.entries -= 1;
  }

  private forget(): void {
    for (const shelf of this.shared.shelves) shelf.kept.clear();
    this.shared.chars = 0;
    this.shared.entries = 0;
  }
}

/**
 * Requests under way, by key, whose answer an identical request begun later may take instead
 * of asking again (single flight). Each flight carries the mark taken before it was sent;
 * whether a later request may take its answer is the caller's to say (`join`'s `joinable`):
 * for a memory of answers, exactly when that answer could still be kept. A flight is
 * forgotten when it settles; the newest flight of a key is the one joined.
 */
export class Flights<T, M> {
  private readonly flying = new Map<string, { answer: Promise<T>; mark: M }>();

  /** The answer of the flight under way for `key`, if there is one and `joinable(its mark)`. */
  join(key: string, joinable: (mark: M) => boolean): Promise<T> | undefined {
    const flight = this.flying.get(key);
    return flight && joinable(flight.mark) ? flight.answer : undefined;
  }

  /** `answer` was asked for `key` after `mark` (it replaces any flight of the key until it settles). */
  start(key: string, mark: M, answer: Promise<T>): void {
    const flight = { answer, mark };
    this.flying.set(key, flight);
    const landed = (): void => {
      if (this.flying.get(key) === flight) this.flying.delete(key);
    };
    answer.then(landed, landed);
  }

  /** Forget every flight (their answers still reach those who asked or joined). */
  clear(): void {
    this.flying.clear();
  }

  /** How many keys have a flight under way. */
  get size(): number {
    return this.flying.size;
  }
}

/** What `answerThrough` asks of a memory, for one request. */
export interface AnswerMemory<T, M> {
  /** The answer it holds, if current (and the caller may see it). */
  read(): T | undefined;
  /** The answer of an identical request under way that this one may take (single flight), if any. */
  join?(): Promise<T> | undefined;
  /** Taken before asking. */
  mark(): M;
  /** This request's answer is under way, asked after `mark` (others may join it). */
  flying?(answer: Promise<T>, mark: M): void;
  /** The answer asked for after `mark` (kept unless something changed since). */
  remember(answer: T, mark: M): void;
}

/**
 * A request through a memory: the answer it holds when it has one; else the answer of an
 * identical request under way that the memory lets it join; otherwise `ask`'s (the
 * scheduler's), which others may join while it is under way, then remembered. A joined
 * request gets what the one it joined gets, its failure too.
 */
export async function answerThrough<T, M>(memory: AnswerMemory<T, M> | undefined, ask: () => Promise<T>): Promise<T> {
  const known = memory?.read();
  if (known) return known;
  const joined = memory?.join?.();
  if (joined) return joined;
  const mark = memory?.mark();
  const asked = ask();
  if (memory && mark !== undefined) memory.flying?.(asked, mark);
  const answer = await asked;
  if (memory && mark !== undefined) memory.remember(answer, mark);
  return answer;
}
