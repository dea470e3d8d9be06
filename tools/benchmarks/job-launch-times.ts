/**
 * Where a plain job's time in Slurm goes, in milliseconds, from Slurm's own logs (squeue and
 * sacct give whole seconds only): the controller allocates it ("sched: Allocate JobId=N"),
 * slurmd launches its batch script ("Launching batch job N"), the batch step ends ("[N.batch]
 * done with job") and the controller records it complete ("_job_complete: JobId=N done").
 * Between allocation and launch slurmd does its start work, e.g. loading the user's login
 * environment for `sbatch --export=NONE` (a `su - <user>` per job). Used by jobs-throughput.ts;
 * it reads the logs only (root can), changes nothing.
 */
import { readFileSync } from 'node:fs';
import { mean, median } from './bench-kit';

/** Per phase: means and medians in ms over the jobs whose four lines were all found. */
export interface LaunchTimes {
  jobs: number;
  allocToLaunchMs: { mean: number; median: number };
  launchToDoneMs: { mean: number; median: number };
  allocToCompleteMs: { mean: number; median: number };
  /** Jobs launched more than 0.5 s after their allocation. */
  lateLaunches: number;
}

/** Slurm's log timestamps: local time, ISO 8601 with ms, no zone ("[2026-12-02T05:49:11.028]"). */
function stamp(line: string): number | undefined {
  const m = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?)\]/.exec(line);
  if (!m?.[1]) return undefined;
  const ms = new Date(m[1]).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/** The last time each pattern's job id (group 1) appears, for the given ids only. */
function times(text: string, pattern: RegExp, ids: ReadonlySet<string>): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    const id = pattern.exec(line)?.[1];
    if (id === undefined || !ids.has(id)) continue;
    const at = stamp(line);
    if (at !== undefined) found.set(id, at);
  }
  return found;
}

/** The breakdown for these plain (non-array) jobs from the two logs' text. */
export function launchTimes(ctldLog: string, slurmdLog: string, jobIds: readonly string[]): LaunchTimes {
  const ids = new Set(jobIds.filter((id) => /^\d+$/.test(id)));
  const alloc = times(ctldLog, /\] sched(?:\/backfill)?: Allocate JobId=(\d+) /, ids);
  const complete = times(ctldLog, /\] _job_complete: JobId=(\d+) done/, ids);
  const launch = times(slurmdLog, /\] Launching batch job (\d+) /, ids);
  const done = times(slurmdLog, /\] \[(\d+)\.batch\] done with job/, ids);
  const rows = [...ids].flatMap((id) => {
    const a = alloc.get(id);
    const l = launch.get(id);
    const d = done.get(id);
    const c = complete.get(id);
    return a !== undefined && l !== undefined && d !== undefined && c !== undefined ? [{ a, l, d, c }] : [];
  });
  const both = (values: number[]) => ({ mean: mean(values), median: median(values) });
  return {
    jobs: rows.length,
    allocToLaunchMs: both(rows.map((r) => r.l - r.a)),
    launchToDoneMs: both(rows.map((r) => r.d - r.l)),
    allocToCompleteMs: both(rows.map((r) => r.c - r.a)),
    lateLaunches: rows.filter((r) => r.l - r.a > 500).length,
  };
}

/** The same, reading the logs named by the controller's config; undefined when they cannot be read. */
export function launchTimesFromLogs(ctldLogPath: string | undefined, slurmdLogPath: string | undefined, jobIds: readonly string[]): LaunchTimes | undefined {
  if (!ctldLogPath || !slurmdLogPath) return undefined;
  try {
    return launchTimes(readFileSync(ctldLogPath, 'utf8'), readFileSync(slurmdLogPath, 'utf8'), jobIds);
  } catch {
    return undefined;
  }
}
