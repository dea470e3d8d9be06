/**
 * A job's state timeline from its WatchJob events: one entry per change, in sequence
 * order, each change once however often a reopened stream replays it.
 */

/** One change of a job's state, as WatchJob reports it (fields the page shows). */
export interface TimelineEvent {
  readonly sequence: number;
  /** The state's name, e.g. "RUNNING". */
  readonly state: string;
  /** When it changed (undefined when the event carries no time). */
  readonly time?: Date;
  readonly reason: string;
  readonly exitCode?: number;
  readonly slurmJobId: string;
}

export type Timeline = readonly TimelineEvent[];

/**
 * Adds one event: a sequence seen before is replaced (a replay says the same), a new one is
 * put in order. Sequence 0 is the record of a finished job whose changes expired: it stands
 * alone.
 */
export function addEvent(timeline: Timeline, event: TimelineEvent): Timeline {
  if (event.sequence === 0) return timeline.some((e) => e.sequence > 0) ? timeline : [event];
  const rest = timeline.filter((e) => e.sequence !== event.sequence && e.sequence !== 0);
  const at = rest.findIndex((e) => e.sequence > event.sequence);
  return at === -1 ? [...rest, event] : [...rest.slice(0, at), event, ...rest.slice(at)];
}

/** The latest known state: the last event's, else what GetJob said. */
export function latestState(timeline: Timeline, recorded: string): string {
  return timeline.at(-1)?.state ?? recorded;
}

/** The last known value of a field some events carry (exit code, Slurm job id). */
export function lastKnown<K extends 'exitCode' | 'slurmJobId'>(timeline: Timeline, key: K): TimelineEvent[K] | undefined {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const v = timeline[i]?.[key];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Whether sequences are missing (e.g. 1, 2, 4): the page says so rather than pretend. */
export function hasGaps(timeline: Timeline): boolean {
  const seqs = timeline.map((e) => e.sequence).filter((s) => s > 0);
  return seqs.length > 0 && (seqs[0] !== 1 || seqs.some((s, i) => i > 0 && s !== (seqs[i - 1] ?? 0) + 1));
}
