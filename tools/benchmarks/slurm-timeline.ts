/**
 * Where the time of an array job goes, in milliseconds, from Slurm's own logs (slurmctld's
 * and slurmd's lines carry ms timestamps; `squeue` and `sacct` only whole seconds), the
 * element wrapper's item records and the client's clock: submission accepted, tasks
 * allocated (the controller's scheduling pass), launched by slurmd, first item started
 * (the wrapper and the container start), last item ended, task complete in the controller,
 * and, between waves, how long a slot stays empty when one element ends and the next
 * starts. Used by sweep.ts; it reads the logs only (root can), changes nothing.
 */
import { readFileSync } from 'node:fs';
import type { ElementSpan } from './bench-kit';

/** One array task as Slurm's logs show it; times in ms since the epoch. */
export interface TaskTimes {
  task: number;
  /** The task's own job id (the last task shares the array's id). */
  jobId: string;
  allocate?: number;
  launch?: number;
  complete?: number;
}

export interface ArrayTimeline {
  arrayJobId: string;
  submit?: number;
  tasks: Map<number, TaskTimes>;
}

/** Slurm's log timestamps: local time, ISO 8601 with ms, no zone ("[2026-12-02T05:49:11.028]"). */
function stamp(line: string): number | undefined {
  const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?)\]/.exec(line);
  if (!m?.[1]) return undefined;
  const ms = new Date(m[1]).getTime(); // no zone: local time, as Slurm wrote it
  return Number.isFinite(ms) ? ms : undefined;
}

/** The lines of one array job in slurmctld's and slurmd's logs (info level is enough). */
export function parseArrayTimeline(ctldLog: string, slurmdLog: string, arrayJobId: string): ArrayTimeline {
  if (!/^\d+$/.test(arrayJobId)) throw new Error(`invalid Slurm job id ${JSON.stringify(arrayJobId)}`);
  const tasks = new Map<number, TaskTimes>();
  const byJobId = new Map<string, TaskTimes>();
  let submit: number | undefined;
  const task = (k: number, jobId: string): TaskTimes => {
    let t = tasks.get(k);
    if (!t) {
      t = { task: k, jobId };
      tasks.set(k, t);
      byJobId.set(jobId, t);
    }
    return t;
  };
  const submitRe = new RegExp(`_slurm_rpc_submit_batch_job: JobId=${arrayJobId} `);
  // The main scheduler's "sched: Allocate JobId=…" and the backfill scheduler's "_start_job: Started JobId=…".
  const allocRe = new RegExp(`(?:sched: Allocate|_start_job: Started) JobId=${arrayJobId}_(\\d+)\\((\\d+)\\)`);
  const completeRe = new RegExp(`_job_complete: JobId=${arrayJobId}_(\\d+)\\((\\d+)\\) done`);
  for (const line of ctldLog.split('\n')) {
    if (!line.includes(arrayJobId)) continue;
    const at = stamp(line);
    if (at === undefined) continue;
    if (submit === undefined && submitRe.test(line)) submit = at;
    const a = allocRe.exec(line);
    // A requeued task is allocated again: its last allocation counts.
    if (a?.[1] && a[2]) task(Number(a[1]), a[2]).allocate = at;
    const c = completeRe.exec(line);
    if (c?.[1] && c[2]) task(Number(c[1]), c[2]).complete = at;
  }
  for (const line of slurmdLog.split('\n')) {
    const m = /Launching batch job (\d+) /.exec(line);
    if (!m?.[1]) continue;
    const t = byJobId.get(m[1]);
    const at = stamp(line);
    if (t && at !== undefined) t.launch = at;
  }
  return { arrayJobId, ...(submit !== undefined ? { submit } : {}), tasks };
}

/** The log files `scontrol show config` names (undefined when it names none). */
export function slurmLogPaths(config: string): { ctld?: string; slurmd?: string } {
  const ctld = /^SlurmctldLogFile\s*=\s*(\/\S+)/m.exec(config)?.[1];
  const slurmd = /^SlurmdLogFile\s*=\s*(\/\S+)/m.exec(config)?.[1];
  return { ...(ctld ? { ctld } : {}), ...(slurmd ? { slurmd } : {}) };
}

/** Reads both logs; undefined when either cannot be read (not root, another node's slurmd). */
export function readArrayTimeline(paths: { ctld?: string; slurmd?: string }, arrayJobId: string): ArrayTimeline | undefined {
  if (!paths.ctld || !paths.slurmd) return undefined;
  try {
    return parseArrayTimeline(readFileSync(paths.ctld, 'utf8'), readFileSync(paths.slurmd, 'utf8'), arrayJobId);
  } catch {
    return undefined;
  }
}

/** Median, p90 and max of a list of ms values, for a note ("—" when empty). */
function spread(values: number[]): { median: number; p90: number; max: number; n: number } {
  const s = values.filter(Number.isFinite).sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { median: at(0.5), p90: at(0.9), max: s[s.length - 1] ?? NaN, n: s.length };
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)}` : '—');
const showSpread = (v: { median: number; p90: number; max: number; n: number }) =>
  v.n === 0 ? '—' : `median ${ms(v.median)}, p90 ${ms(v.p90)}, max ${ms(v.max)} ms (${v.n})`;

export interface Breakdown {
  /** Client's SubmitJob/SubmitWorkflow → Slurm accepted the array's submission. */
  toSubmitMs: number;
  /** Submission accepted → first task allocated (the controller's scheduling pass). */
  toFirstAllocateMs: number;
  /** First wave: allocate → slurmd launches, per task. */
  allocateToLaunch: number[];
  /** First wave: launch → the element's first item started (wrapper, container start), per task. */
  launchToFirstItem: number[];
  /** Every element: first item start → last item end. */
  itemsSpan: number[];
  /** Every element: last item end → the controller's task complete (wrapper and container end, slurmstepd). */
  lastItemToComplete: number[];
  /** Later waves: the freeing task's complete → the next task's allocation, pairs in order. */
  handoverCompleteToAllocate: number[];
  /** Later waves: allocate → launch. */
  handoverAllocateToLaunch: number[];
  /** Later waves: the freeing element's last item end → the next element's first item start (the slot's idle time). */
  handoverIdle: number[];
  /** Last task complete in the controller → the client saw the end. */
  lastCompleteToClientMs: number;
  /** Last item end (any element) → the client saw the end. */
  lastItemToClientMs: number;
  /** The element that started last: its first item after the submission, and the median's. */
  lastFirstItemMs: number;
  medianFirstItemMs: number;
}

/**
 * The breakdown of one array job: `spans` are the elements' first item start and last item
 * end (from items-<k>.jsonl, element k = task k), `t0Wall` the client's submission and
 * `endWall` the moment it saw the end (ms since the epoch), `slots` the tasks run at once.
 */
export function breakdown(timeline: ArrayTimeline, spans: readonly ElementSpan[], t0Wall: number, endWall: number, slots: number): Breakdown {
  const tasks = [...timeline.tasks.values()].filter((t) => t.allocate !== undefined).sort((a, b) => (a.allocate ?? 0) - (b.allocate ?? 0) || a.task - b.task);
  const span = new Map(spans.map((s) => [s.element, s]));
  const first = tasks.slice(0, slots);
  const later = tasks.slice(slots);
  const completes = [...timeline.tasks.values()].filter((t) => t.complete !== undefined).sort((a, b) => (a.complete ?? 0) - (b.complete ?? 0));
  // With a throttle of `slots`, each later task takes a slot a complete freed: the latest
  // complete before its allocation not taken yet (several allocated in one pass share it out).
  const taken = new Set<TaskTimes>();
  const freedBy = new Map<TaskTimes, TaskTimes | undefined>();
  for (const t of later) {
    let pick: TaskTimes | undefined;
    for (const c of completes) {
      if ((c.complete ?? Infinity) > (t.allocate ?? -Infinity)) break;
      if (!taken.has(c)) pick = c;
    }
    if (pick) taken.add(pick);
    freedBy.set(t, pick);
  }
  const diff = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a - b : NaN);
  const lastComplete = Math.max(...completes.map((t) => t.complete ?? NaN));
  const lastItem = Math.max(...spans.map((s) => s.lastEnd));
  const firstItems = spans.map((s) => s.firstStart - t0Wall).sort((a, b) => a - b);
  return {
    toSubmitMs: diff(timeline.submit, t0Wall),
    toFirstAllocateMs: diff(tasks[0]?.allocate, timeline.submit),
    allocateToLaunch: first.map((t) => diff(t.launch, t.allocate)),
    launchToFirstItem: first.map((t) => diff(span.get(t.task)?.firstStart, t.launch)),
    itemsSpan: spans.map((s) => s.lastEnd - s.firstStart),
    lastItemToComplete: [...timeline.tasks.values()].map((t) => diff(t.complete, span.get(t.task)?.lastEnd)),
    handoverCompleteToAllocate: later.map((t) => diff(t.allocate, freedBy.get(t)?.complete)),
    handoverAllocateToLaunch: later.map((t) => diff(t.launch, t.allocate)),
    handoverIdle: later.map((t) => {
      const freed = freedBy.get(t);
      return diff(span.get(t.task)?.firstStart, freed ? span.get(freed.task)?.lastEnd : undefined);
    }),
    lastCompleteToClientMs: endWall - lastComplete,
    lastItemToClientMs: endWall - lastItem,
    lastFirstItemMs: firstItems[firstItems.length - 1] ?? NaN,
    medianFirstItemMs: firstItems[Math.floor((firstItems.length - 1) / 2)] ?? NaN,
  };
}

/** The breakdown as report notes. */
export function breakdownNotes(b: Breakdown): string[] {
  const notes = [
    `where the time goes (ms; Slurm's logs, the item records, the client's clock): submission → Slurm accepted it ${ms(b.toSubmitMs)}; ` +
      `→ first task allocated ${ms(b.toFirstAllocateMs)} (the controller's scheduling pass); first wave: allocate → slurmd launch ${showSpread(spread(b.allocateToLaunch))}; ` +
      `launch → first item (wrapper, container start) ${showSpread(spread(b.launchToFirstItem))}; first items at median ${ms(b.medianFirstItemMs)}, last ${ms(b.lastFirstItemMs)} after the submission`,
    `elements' items (first start → last end) ${showSpread(spread(b.itemsSpan))}; last item → task complete in Slurm ${showSpread(spread(b.lastItemToComplete))}; ` +
      `last task complete → the client saw the end ${ms(b.lastCompleteToClientMs)} (last item → client ${ms(b.lastItemToClientMs)})`,
  ];
  if (b.handoverIdle.length) {
    notes.push(
      `hand-overs (${b.handoverIdle.length}, each allocation paired with the latest task complete before it): complete → allocate ${showSpread(spread(b.handoverCompleteToAllocate))}; ` +
        `allocate → launch ${showSpread(spread(b.handoverAllocateToLaunch))}; slot idle (last item of one element → first item of the next) ${showSpread(spread(b.handoverIdle))}, ` +
        `${(b.handoverIdle.filter(Number.isFinite).reduce((a, v) => a + v, 0) / 1000).toFixed(1)} s in all`,
    );
  }
  return notes;
}
