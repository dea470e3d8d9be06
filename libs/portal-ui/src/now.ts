import { useSyncExternalStore } from 'react';

const TICK_MS = 15_000;
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function tick(): void {
  now = Date.now();
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    timer = setInterval(tick, TICK_MS);
    // The time kept while no one listened is old: everyone gets the time now at once.
    queueMicrotask(tick);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

/** The time kept; while no timer runs it is brought up to date (to the second, so React reads one value per render). */
function snapshot(): number {
  if (timer === undefined && Date.now() - now >= 1000) now = Date.now();
  return now;
}

/** The time now, updated every 15 s by one timer shared by every component that asks. */
export function useNow(): Date {
  return new Date(useSyncExternalStore(subscribe, snapshot));
}
