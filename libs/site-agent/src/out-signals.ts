import { lstat, opendir } from 'node:fs/promises';
import type { Attempt } from './attempt-store';

/**
 * Listings a file signal buys at most: once an attempt's files say its job (every element)
 * ended, the poller lists at every tick until the listing agrees (the attempt is final) or
 * this many listings were made; then its back-off goes on as before.
 */
export const SETTLE_LISTINGS = 20;

/**
 * A directory whose modification time is this recent is read again even when its time did
 * not change (file systems that keep whole seconds, or coarser: two entries added within one
 * granule leave the same time).
 */
export const COARSE_MTIME_MS = 2000;

/**
 * How long after a job's start or end appears in its files Slurm is given before a listing is
 * spent on it: for an end, to let its last task go (the wrapper writes its marker just before
 * its shell exits; slurmd, the epilog and slurmctld take 15–80 ms more here). A listing made
 * sooner would see the job still live, and the next may come only a poll interval later.
 */
export const END_SETTLE_MS = 100;

/** Directories one glance looks at, at most (the next ones in turn when more are followed). */
export const GLANCE_LIMIT = 64;

/** What an attempt's out directory says about its job, from the names of its entries alone. */
export interface OutLook {
  /** The job (some element) started: slurmd created its output file (or the wrapper its start record). */
  started: boolean;
  /** The job ended (every element ended at least once): its exit record, or an end marker per element. */
  ended: boolean;
  /** Counts of the names that matter, to tell a change between two looks. */
  key: string;
}

const ELEMENT_STDOUT = /^stdout-(0|[1-9][0-9]{0,8})$/;
/** `ended-<element>.<run>`, written by cairn-wrap-element.sh when the element's shell ends. */
const ELEMENT_ENDED = /^ended-(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$/;

/**
 * Reads the names of an out directory (`elements` for an array attempt, undefined for a
 * single job). The job user owns the directory and may put any name in it: only exact
 * names of this attempt's elements count, each element once.
 */
export function lookAtNames(names: Iterable<string>, elements: number | undefined): OutLook {
  if (elements === undefined) {
    let started = false;
    let ended = false;
    for (const name of names) {
      if (name === 'stdout' || name === 'start.json') started = true;
      else if (name === 'exit.json') ended = true;
    }
    return { started, ended, key: `${Number(started)}${Number(ended)}` };
  }
  const started = new Set<number>();
  const ended = new Set<number>();
  let runs = 0;
  for (const name of names) {
    const out = ELEMENT_STDOUT.exec(name);
    if (out && Number(out[1]) < elements) started.add(Number(out[1]));
    const end = ELEMENT_ENDED.exec(name);
    if (end && Number(end[1]) < elements) {
      ended.add(Number(end[1]));
      runs += 1;
    }
  }
  return { started: started.size > 0, ended: ended.size === elements, key: `${started.size}/${ended.size}/${runs}` };
}

/** What the poller remembers of one attempt's directory. */
interface Seen {
  key: string;
  mtimeMs: number;
  lookedAt: number;
  /** Listings left that this attempt's end signal asks for. */
  settle: number;
  /** When its end appeared (its directory's modification time, at most when it was looked at). */
  endedAt?: number;
}

/**
 * Learns from the files the wrappers write when something is about to change in Slurm's
 * listing of an attempt, so that the poller lists when it is worth it rather than on a timer:
 * the first start of a job that is not RUNNING yet (one listing), and its end (a listing at
 * every tick until the attempt is final, at most SETTLE_LISTINGS). Element ends in the middle
 * of a sweep ask for nothing: they change no state of the attempt.
 *
 * Cheap: one lstat of each followed attempt's out directory per tick, and a bounded readdir
 * only when the directory changed (entries added or removed: appending to a file does not).
 * Polled, not watched: inotify does not see files written on other nodes of a shared file
 * system. Looked at at every tick (`look`), and between ticks by `glance`, so that an end is
 * seen within the glance period rather than the tick's while the poller has backed off.
 * The files are hints only, which a job can forge or remove: what the agent publishes
 * still comes from Slurm's listing and the records, so a forged hint costs at most
 * SETTLE_LISTINGS listings (a job that keeps adding new marker names keeps the poll at one
 * listing per tick, never more: as before the back-off), and a missing one leaves the
 * back-off's ceiling to notice.
 */
export class OutSignals {
  private seen = new Map<string, Seen>();
  /** Where the next glance starts among the followed attempts (round robin). */
  private cursor = 0;

  constructor(
    private readonly outDir: (attempt: Attempt) => string,
    private readonly settleListings = SETTLE_LISTINGS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Looks at the followed attempts' directories: whether one of them asks for a listing at this tick. */
  async look(attempts: readonly Attempt[]): Promise<boolean> {
    const next = new Map<string, Seen>();
    let wanted = false;
    for (const attempt of attempts) {
      const before = this.seen.get(attempt.id);
      const seen = (await this.lookAt(attempt, before)) ?? before;
      if (!seen) continue;
      next.set(attempt.id, seen);
      if (seen.settle > 0) wanted = true;
    }
    this.seen = next;
    return wanted;
  }

  /**
   * A look between ticks at up to `limit` of the followed attempts (the next ones in turn):
   * when one of them shows a signal it did not show before (a first start, or its end), the
   * time it appeared (its directory's modification time, at most now); undefined otherwise.
   * What it learns stays for the next tick's look, which asks for the listings as always;
   * only a new signal counts here, so glancing often never asks for more listings than the
   * signals buy. Costs one lstat a directory, and a bounded readdir of one that changed.
   */
  async glance(attempts: readonly Attempt[], limit = GLANCE_LIMIT): Promise<number | undefined> {
    const count = Math.min(limit, attempts.length);
    let fresh: number | undefined;
    for (let i = 0; i < count; i += 1) {
      const attempt = attempts[(this.cursor + i) % attempts.length];
      if (!attempt) continue;
      const before = this.seen.get(attempt.id);
      const seen = await this.lookAt(attempt, before);
      if (!seen) continue;
      this.seen.set(attempt.id, seen);
      // Another node's clock may run ahead: never later than when it was looked at.
      if (seen.settle > (before?.settle ?? 0)) fresh = Math.max(fresh ?? 0, Math.min(seen.mtimeMs, seen.lookedAt));
    }
    this.cursor = count > 0 ? (this.cursor + count) % attempts.length : 0;
    return fresh;
  }

  /** When the newest end still asking for listings appeared (epoch ms), if one does. */
  freshestEnd(): number | undefined {
    let freshest: number | undefined;
    for (const seen of this.seen.values()) if (seen.settle > 0 && seen.endedAt !== undefined) freshest = Math.max(freshest ?? 0, seen.endedAt);
    return freshest;
  }

  /** A listing was made: each end signal has one listing less to ask for. */
  listed(): void {
    for (const seen of this.seen.values()) seen.settle = Math.max(0, seen.settle - 1);
  }

  /** Nothing is followed any more. */
  forget(): void {
    this.seen = new Map();
  }

  /** The attempt's directory now (undefined: unchanged since `before`, or unreadable). */
  private async lookAt(attempt: Attempt, before: Seen | undefined): Promise<Seen | undefined> {
    const dir = this.outDir(attempt);
    const stats = await lstat(dir).catch(() => undefined);
    if (!stats?.isDirectory()) return undefined;
    const now = this.now();
    if (before && stats.mtimeMs === before.mtimeMs && before.lookedAt - stats.mtimeMs > COARSE_MTIME_MS) return undefined;
    const elements = attempt.status.elements;
    const names = await readNames(dir, (elements ?? 1) * 8 + 64);
    if (!names) return undefined;
    const look = lookAtNames(names, elements);
    let settle = before?.settle ?? 0;
    let endedAt = before?.endedAt;
    if (look.key !== before?.key) {
      // The end: list until the listing agrees. A first start: one listing, for RUNNING.
      if (look.ended) {
        settle = this.settleListings;
        // Another node's clock may run ahead: never later than when it was looked at.
        endedAt = Math.min(stats.mtimeMs, now);
      } else if (look.started && !attempt.status.published.includes('RUNNING')) settle = Math.max(settle, 1);
    }
    return { key: look.key, mtimeMs: stats.mtimeMs, lookedAt: now, settle, endedAt };
  }
}

/** At most `limit` entry names of a directory (a job can fill its directory: the rest are not read). */
async function readNames(dir: string, limit: number): Promise<string[] | undefined> {
  const names: string[] = [];
  try {
    const handle = await opendir(dir, { bufferSize: 256 });
    for await (const entry of handle) {
      names.push(entry.name);
      if (names.length >= limit) break;
    }
  } catch {
    return undefined;
  }
  return names;
}
