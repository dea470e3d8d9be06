import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DRAFT_PREFIX, DraftSaver, type DraftStorage, type DraftTimers, draftStore, draftString, MAX_DRAFT_CHARS } from './drafts';

/** A tiny in-memory Storage; `quota` makes setItem throw as a full sessionStorage does. */
class MemoryStorage implements DraftStorage {
  readonly items = new Map<string, string>();
  constructor(private readonly quota = Infinity) {}
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (value.length > this.quota) throw new Error('QuotaExceededError');
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

/** Timers the test fires by hand (no waiting, no clocks). */
function manualTimers() {
  const due: (() => void)[] = [];
  const timers: DraftTimers = {
    set: (fn) => due.push(fn),
    clear: () => {
      due.length = 0;
    },
  };
  return { timers, fire: () => due.splice(0).forEach((fn) => fn()), pending: () => due.length };
}

const asText = (v: unknown) => (typeof v === 'string' ? v : undefined);

describe('drafts', () => {
  it('keeps a draft under cairn.draft.<name> and reads it back', () => {
    const storage = new MemoryStorage();
    const store = draftStore(storage);
    expect(store.save('submit.workflow', 'version: 1\n')).toBe(true);
    expect([...storage.items.keys()]).toEqual([`${DRAFT_PREFIX}submit.workflow`]);
    expect(store.load('submit.workflow', asText)).toBe('version: 1\n');
    store.clear('submit.workflow');
    expect(store.load('submit.workflow', asText)).toBeUndefined();
  });

  it('reads nothing from a draft it did not write (another version, not JSON, the wrong shape)', () => {
    const storage = new MemoryStorage();
    const store = draftStore(storage);
    for (const text of ['not json', '{"v":2,"value":"x"}', '{"value":"x"}', 'null', '[1]', '{"v":1}']) {
      storage.setItem(`${DRAFT_PREFIX}x`, text);
      expect(store.load('x', asText)).toBeUndefined();
    }
    storage.setItem(`${DRAFT_PREFIX}x`, '{"v":1,"value":42}');
    expect(store.load('x', asText)).toBeUndefined();
  });

  it('never throws: no storage, full storage, a draft too large to keep', () => {
    expect(draftStore(undefined).save('x', 'y')).toBe(false);
    expect(draftStore(undefined).load('x', asText)).toBeUndefined();
    const full = new MemoryStorage(10);
    expect(draftStore(full).save('x', 'a long enough draft')).toBe(false);
    const storage = new MemoryStorage();
    const store = draftStore(storage);
    store.save('x', 'small');
    expect(store.save('x', 'y'.repeat(MAX_DRAFT_CHARS))).toBe(false);
    expect(store.load('x', asText)).toBeUndefined();
  });

  it('keeps a workflow file of the largest size the server takes (256 KiB)', () => {
    const store = draftStore(new MemoryStorage());
    const text = 'x'.repeat(262_144);
    expect(store.save('w', text)).toBe(true);
    expect(store.load('w', asText)).toBe(text);
  });

  it('round-trips any form of strings', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 50, unit: 'grapheme' }), { maxKeys: 8 }), (form) => {
        const store = draftStore(new MemoryStorage());
        store.save('form', form);
        expect(store.load('form', (v) => (typeof v === 'object' && v !== null ? v : undefined))).toEqual(form);
      }),
      { numRuns: 200 },
    );
  });

  it('saves once per pause while the text changes, the last value winning; flush saves now; discard drops it', () => {
    const storage = new MemoryStorage();
    const store = draftStore(storage);
    const { timers, fire, pending } = manualTimers();
    const saver = new DraftSaver<string>(store, 'w', 400, timers);
    saver.change('a');
    saver.change('ab');
    saver.change('abc');
    expect(pending()).toBe(1);
    expect(store.load('w', asText)).toBeUndefined();
    fire();
    expect(store.load('w', asText)).toBe('abc');
    saver.change('abcd');
    saver.flush();
    expect(store.load('w', asText)).toBe('abcd');
    saver.change('abcde');
    saver.discard();
    fire();
    expect(store.load('w', asText)).toBeUndefined();
  });

  it('reads string fields of a stored form, bounded, ignoring the prototype', () => {
    expect(draftString({ image: 'lab/x:1' }, 'image')).toBe('lab/x:1');
    expect(draftString({ image: 7 }, 'image', 'd')).toBe('d');
    expect(draftString({ image: 'long' }, 'image', '', 3)).toBe('');
    expect(draftString({}, 'toString', 'none')).toBe('none');
    expect(draftString(null, 'image')).toBe('');
  });
});
