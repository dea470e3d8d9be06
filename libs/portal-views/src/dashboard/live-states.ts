/**
 * Live states of list rows: the lists come from one page of ListWorkflows / ListJobs, and a
 * few watch streams (WatchWorkflow / WatchJob) keep the visible unfinished rows current.
 */

/** A row's state as the last watch event said, with that event's sequence. */
export interface LiveState {
  readonly state: string;
  readonly sequence: number;
}

export type LiveStates = ReadonlyMap<string, LiveState>;

/** States nothing changes any more (jobs' and runs' final states). */
const FINAL = new Set(['SUCCEEDED', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT']);

export function isFinalStateName(state: string): boolean {
  return FINAL.has(state);
}

/**
 * Takes one watch event: kept when it changes the row's state and is newer than what the
 * row has (a reopened stream replays from the start, so older events are ignored);
 * sequence 0 is a finished run's snapshot and always taken.
 */
export function applyLive(states: LiveStates, id: string, state: string, sequence: number): LiveStates {
  const known = states.get(id);
  // Only changes of state matter to a row: a run's many step events keep the same map (no re-render).
  if (known !== undefined && known.state === state) return states;
  if (known !== undefined && sequence !== 0 && sequence <= known.sequence) return states;
  const next = new Map(states);
  next.set(id, { state, sequence });
  return next;
}

/** The state to show: the live one when a stream told us, else the list's. */
export function effectiveState(states: LiveStates, id: string, listed: string): string {
  return states.get(id)?.state ?? listed;
}

/** The rows worth a watch stream: the first `max` shown that have not finished (each stream holds a connection). */
export function pickWatched(rows: readonly { readonly id: string; readonly state: string }[], states: LiveStates, max: number): string[] {
  const picked: string[] = [];
  for (const row of rows) {
    if (picked.length >= max) break;
    if (!isFinalStateName(effectiveState(states, row.id, row.state))) picked.push(row.id);
  }
  return picked;
}
