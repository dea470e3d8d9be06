import { type DraftParser, DraftSaver, draftStore } from '@cairn/portal-client';
import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * A form value kept as a draft in sessionStorage (@cairn/portal-client drafts): restored
 * on load, saved a moment after each change and at once when the page is left (the app
 * sending the person to log in included), discarded after a successful submit.
 */
export function useDraft<T>(name: string, parse: DraftParser<T>, initial: () => T): [T, (value: T) => void, () => void] {
  const store = useRef(draftStore());
  const [value, setValue] = useState<T>(() => store.current.load(name, parse) ?? initial());
  const saver = useRef<DraftSaver<T> | null>(null);
  saver.current ??= new DraftSaver<T>(store.current, name);

  useEffect(() => {
    const flush = () => saver.current?.flush();
    window.addEventListener('pagehide', flush);
    return () => {
      window.removeEventListener('pagehide', flush);
      flush();
    };
  }, []);

  const change = useCallback((next: T) => {
    setValue(next);
    saver.current?.change(next);
  }, []);
  const discard = useCallback(() => saver.current?.discard(), []);
  return [value, change, discard];
}

/** A fresh idempotency key (letters, digits and "-"). */
export function newRequestId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
