/**
 * Drafts: what a person types into a form, kept in `sessionStorage` as it changes, so a
 * session that ends mid-edit (the app sends them to log in and back, in the same tab)
 * loses nothing. A draft is this tab's only: sessionStorage is per tab and origin, and is
 * gone when the tab closes. Drafts hold form text only, never a token. A draft that cannot
 * be read (another version, edited by hand, storage disabled or full) is simply absent.
 */

/** The part of the Web Storage API a draft store uses. */
export interface DraftStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Keys are namespaced: `cairn.draft.<name>`. */
export const DRAFT_PREFIX = 'cairn.draft.';
/** A draft larger than this (characters of JSON) is not kept: a workflow file is at most 256 KiB. */
export const MAX_DRAFT_CHARS = 600_000;
const VERSION = 1;

/** Reads a stored value back into the form's shape, or undefined when it does not fit. */
export type DraftParser<T> = (value: unknown) => T | undefined;

export interface DraftStore {
  load<T>(name: string, parse: DraftParser<T>): T | undefined;
  /** Saves now; false when it could not be kept (no storage, quota, too large). */
  save(name: string, value: unknown): boolean;
  clear(name: string): void;
}

/** This tab's sessionStorage, or undefined where there is none (or it is blocked). */
export function sessionDraftStorage(): DraftStorage | undefined {
  try {
    return typeof globalThis.sessionStorage === 'undefined' ? undefined : globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}

/** A draft store over `storage` (none: nothing is kept, nothing fails). */
export function draftStore(storage: DraftStorage | undefined = sessionDraftStorage()): DraftStore {
  const key = (name: string) => `${DRAFT_PREFIX}${name}`;
  return {
    load<T>(name: string, parse: DraftParser<T>): T | undefined {
      try {
        const text = storage?.getItem(key(name));
        if (text === null || text === undefined || text.length > MAX_DRAFT_CHARS) return undefined;
        const stored: unknown = JSON.parse(text);
        if (typeof stored !== 'object' || stored === null || !('v' in stored) || stored.v !== VERSION || !('value' in stored)) return undefined;
        return parse(stored.value);
      } catch {
        return undefined;
      }
    },
    save(name: string, value: unknown): boolean {
      if (storage === undefined) return false;
      try {
        const text = JSON.stringify({ v: VERSION, value });
        if (text.length > MAX_DRAFT_CHARS) {
          storage.removeItem(key(name));
          return false;
        }
        storage.setItem(key(name), text);
        return true;
      } catch {
        return false;
      }
    },
    clear(name: string): void {
      try {
        storage?.removeItem(key(name));
      } catch {
        // Storage that cannot be written has nothing of ours to clear.
      }
    },
  };
}

/**
 * Saves a draft at most once per `delayMs` while it changes (the last value wins), and at
 * once on `flush()` (the page is hidden, the form unmounts, the session ends).
 */
/** The timer functions a DraftSaver uses (tests pass their own). */
export interface DraftTimers {
  set(fire: () => void, delayMs: number): number;
  clear(handle: number): void;
}

const browserTimers: DraftTimers = {
  set: (fire, delayMs) => globalThis.setTimeout(fire, delayMs),
  clear: (handle) => globalThis.clearTimeout(handle),
};

export class DraftSaver<T> {
  private pending: { value: T } | undefined;
  private timer: number | undefined;
  constructor(
    private readonly store: DraftStore,
    private readonly name: string,
    private readonly delayMs = 400,
    private readonly timers: DraftTimers = browserTimers,
  ) {}
  change(value: T): void {
    this.pending = { value };
    if (this.timer === undefined) this.timer = this.timers.set(() => this.flush(), this.delayMs);
  }
  flush(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) this.store.save(this.name, pending.value);
  }
  /** After a successful submit: drop what is pending and the stored draft. */
  discard(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    this.store.clear(this.name);
  }
}

/** A string field of a stored object, bounded, else the fallback. */
export function draftString(value: unknown, field: string, fallback = '', max = MAX_DRAFT_CHARS): string {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, field)) return fallback;
  const v: unknown = Object.getOwnPropertyDescriptor(value, field)?.value;
  return typeof v === 'string' && v.length <= max ? v : fallback;
}
