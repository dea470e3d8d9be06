/**
 * What the benchmark scripts share: running programs, statistics, the controller's view
 * (sdiag deltas), counting shims for the agent's Slurm calls, the array wrapper's item
 * records and the packing bound of an array, and number formatting.
 */
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProcessRepository } from '@cairn/adapters/process';
import { pb } from '@cairn/contracts';
import { type CairnStack, startCairnStack } from '@cairn/testing';

export const processes = new ProcessRepository();
export const now = () => performance.now();
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

/** Runs `count` calls of `fn`, `limit` at a time: each call's latency (ms) and the wall time (s). */
export async function measureCalls(count: number, limit: number, fn: () => Promise<unknown>): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const start = now();
  const worker = async () => {
    while (next < count) {
      next += 1;
      const t = now();
      await fn();
      latencies.push(now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return { latencies, seconds: (now() - start) / 1000 };
}

/** Progress lines on stderr, e.g. "[sweep 09:30:12] ...". */
/** A benchmark's --name option as a positive integer, or a clear error naming it. */
export function positiveOption(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: expected a positive integer, got ${text}`);
  return value;
}

/** With --help: prints the usage and exits. */
export function usageOnHelp(help: boolean | undefined, usage: string): void {
  if (!help) return;
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

/** Runs a benchmark's main: its error's stack to stderr and exit code 1 when it fails. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}

/** Writes a markdown report to stdout: its title line, then the table (header row, separator, rows; with 'right', every column but the first right-aligned). */
export function writeReport(title: string, header: readonly string[], rows: readonly string[], align: 'left' | 'right' = 'left'): void {
  const rule = header.map((_, i) => (align === 'right' && i > 0 ? '---:' : '---'));
  process.stdout.write([title, '', `| ${header.join(' | ')} |`, `| ${rule.join(' | ')} |`, ...rows, ''].join('\n'));
}

export const progressLog = (prefix: string) => (message: string) =>
  process.stderr.write(`[${prefix} ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

export async function run(file: string, args: string[]): Promise<string> {
  const result = await processes.run(file, args, { timeoutMs: 120_000 });
  if (result.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** The absolute path of a program, looked up before the Cairn phase changes PATH. */
export async function which(program: string): Promise<string> {
  const out = await run('/bin/sh', ['-c', 'command -v "$1"', 'sh', program]);
  const path = out.trim();
  if (!path.startsWith('/')) throw new Error(`${program} not found on PATH`);
  return path;
}

/**
 * The commit the benchmark runs (short id, "(with uncommitted changes)" when the work tree
 * differs). A tree exported with `git archive` has no .git: its commit is read from a file
 * COMMIT at its root (written by whoever exported it), else "?".
 */
export async function treeCommit(): Promise<string> {
  const head = await run('git', ['rev-parse', '--short', 'HEAD']).catch(() => '');
  if (head.trim()) {
    const dirty = await run('git', ['status', '--porcelain', '--untracked-files=no']).catch(() => '');
    return `${head.trim()}${dirty.trim() ? ' (with uncommitted changes)' : ''}`;
  }
  try {
    return `${readFileSync(join(__dirname, '..', '..', 'COMMIT'), 'utf8').trim()} (git archive)`;
  } catch {
    return '?';
  }
}

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: with fewer than 100 values the p99 is the maximum.
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
export const median = (values: number[]) => quantile(values, 0.5);
export const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
export const mean = (values: number[]) => (values.length === 0 ? NaN : sum(values) / values.length);

/** Clock ticks a second in /proc (USER_HZ: 100 on Linux for every architecture Cairn runs on). */
const USER_HZ = 100;

/** The machine's CPU time so far (all CPUs, seconds): busy (user, nice, system, irq, softirq) and stolen by the hypervisor. */
export function machineCpu(): { busyS: number; stealS: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return { busyS: (user + nice + system + irq + softirq) / USER_HZ, stealS: steal / USER_HZ };
}

/** CPU seconds a process has used so far, with the children it waited for (the agent's sbatch and squeue); undefined once it is gone. */
export function processCpuS(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3: utime, stime, cutime, cstime are fields 14–17.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return ((rest[11] ?? 0) + (rest[12] ?? 0) + (rest[13] ?? 0) + (rest[14] ?? 0)) / USER_HZ;
  } catch {
    return undefined;
  }
}

export const FINAL_SLURM = /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED|REVOKED|SPECIAL_EXIT)\b/;

export const stateName = (s: pb.JobState) => (pb.JobState[s] ?? String(s)).replace('JOB_STATE_', '');

/** Absolute paths of the Slurm programs. */
export interface Bins {
  sbatch: string;
  squeue: string;
  scancel: string;
  scontrol: string;
  sinfo: string;
  sdiag: string;
}

export async function findBins(): Promise<Bins> {
  return {
    sbatch: await which('sbatch'),
    squeue: await which('squeue'),
    scancel: await which('scancel'),
    scontrol: await which('scontrol'),
    sinfo: await which('sinfo'),
    sdiag: await which('sdiag'),
  };
}

// ---------------------------------------------------------------------------------------
// The controller's view: sdiag RPC counts

export interface Sdiag {
  dataSince: string;
  jobsSubmitted: number;
  rpcs: Map<string, { count: number; totalUs: number }>;
}

export async function sdiag(bin: string): Promise<Sdiag> {
  const out = await run(bin, []);
  const rpcs = new Map<string, { count: number; totalUs: number }>();
  const section = out.split('Remote Procedure Call statistics by message type')[1]?.split('Remote Procedure Call statistics by user')[0] ?? '';
  for (const line of section.split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s+\(\s*\d+\)\s+count:(\d+)\s+ave_time:\d+\s+total_time:(\d+)/.exec(line);
    if (m?.[1]) rpcs.set(m[1], { count: Number(m[2]), totalUs: Number(m[3]) });
  }
  return {
    dataSince: /Data since\s+(.*)/.exec(out)?.[1]?.trim() ?? '?',
    jobsSubmitted: Number(/Jobs submitted:\s*(\d+)/.exec(out)?.[1] ?? NaN),
    rpcs,
  };
}

export interface SdiagDelta {
  /** Someone ran `sdiag -r` during the phase: the counts are since then (a lower bound). */
  resetDuringPhase: boolean;
  /** sdiag's "Jobs submitted" (it counts array tasks too, once they are split off). */
  jobsSubmitted: number;
  rpcs: Record<string, { count: number; totalMs: number }>;
  /** REQUEST_SUBMIT_BATCH_JOB* */
  submissions: number;
  /** REQUEST_JOB_INFO* (squeue's listings: JOB_INFO, JOB_INFO_SINGLE, JOB_USER_INFO) */
  queries: number;
  total: number;
  totalMs: number;
}

export function sdiagDelta(before: Sdiag, after: Sdiag): SdiagDelta {
  const reset = before.dataSince !== after.dataSince;
  const rpcs: Record<string, { count: number; totalMs: number }> = {};
  for (const [type, a] of after.rpcs) {
    const b = reset ? undefined : before.rpcs.get(type);
    const count = a.count - (b?.count ?? 0);
    // sdiag counts itself: the snapshot taken after the phase adds one REQUEST_STATS_INFO.
    if (count > 0 && type !== 'REQUEST_STATS_INFO') rpcs[type] = { count, totalMs: (a.totalUs - (b?.totalUs ?? 0)) / 1000 };
  }
  const countOf = (re: RegExp) => sum(Object.entries(rpcs).filter(([t]) => re.test(t)).map(([, v]) => v.count));
  return {
    resetDuringPhase: reset,
    jobsSubmitted: after.jobsSubmitted - (reset ? 0 : before.jobsSubmitted),
    rpcs,
    submissions: countOf(/^REQUEST_SUBMIT_BATCH_JOB/),
    queries: countOf(/^REQUEST_JOB_(?:INFO|USER_INFO)/),
    total: sum(Object.values(rpcs).map((v) => v.count)),
    totalMs: sum(Object.values(rpcs).map((v) => v.totalMs)),
  };
}

// ---------------------------------------------------------------------------------------
// Counting the agent's Slurm calls without changing Cairn

/** One Slurm process the services started: its program, when (seconds since boot), its first two arguments. */
export interface ShimCall {
  name: string;
  at: number;
  /** The first two arguments, e.g. "show partition" for scontrol. */
  args: string;
}

/**
 * Shims for the Slurm programs that append "<name> <uptime> <arg1> <arg2>" to a log, then
 * exec the real program. Put first on PATH while the stack starts.
 */
export function writeShims(dir: string, bins: Bins): { dir: string; calls: () => ShimCall[] } {
  const shimDir = join(dir, 'slurm-shims');
  const callLog = join(dir, 'slurm-calls.log');
  mkdirSync(shimDir, { recursive: true });
  writeFileSync(callLog, '');
  for (const name of ['sbatch', 'squeue', 'scancel', 'scontrol', 'sinfo'] as const) {
    const path = join(shimDir, name);
    writeFileSync(
      path,
      `#!/bin/sh\nread up rest < /proc/uptime\nprintf '%s %s %s %s\\n' '${name}' "$up" "$1" "$2" >> '${callLog}'\nexec '${bins[name]}' "$@"\n`,
    );
    chmodSync(path, 0o755);
  }
  return {
    dir: shimDir,
    calls: () =>
      readFileSync(callLog, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [name = '', at = '', ...args] = line.split(' ');
          return { name, at: Number(at), args: args.join(' ').trim() };
        }),
  };
}

/**
 * The services' Slurm processes by program; scontrol by subcommand ("scontrol show
 * partition", "scontrol show config"), since they ask the controller different things.
 */
export function countCalls(calls: readonly ShimCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of calls) {
    const key = c.name === 'scontrol' ? `scontrol ${c.args}`.trim() : c.name;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * The services' processes that each make one REQUEST_PARTITION_INFO: squeue, sinfo and
 * `scontrol show partition` (the agent describes its site with the last two when a workflow
 * is planned or an array step is launched).
 */
export function partitionInfoCalls(counts: Record<string, number>): number {
  return (counts['squeue'] ?? 0) + (counts['sinfo'] ?? 0) + (counts['scontrol show partition'] ?? 0);
}

// ---------------------------------------------------------------------------------------
// Array jobs: the wrapper's item records, and the makespan that packing alone allows

/** One line of an element's `items-<k>.jsonl`, written by the agent's array wrapper. */
export interface ItemRecord {
  item: number;
  exitCode: number;
  startedAt: string;
  endedAt: string;
}

export interface ElementSpan {
  element: number;
  /** First item start and last item end, ms since the epoch. */
  firstStart: number;
  lastEnd: number;
}

/** The item records of one array attempt (`<attempt dir>/out/items-<k>.jsonl`, k < elements; out/ is the job user's). */
export function readItemRecords(attemptDir: string, elements: number): { records: ItemRecord[]; perElement: ElementSpan[] } {
  const records: ItemRecord[] = [];
  const perElement: ElementSpan[] = [];
  for (let k = 0; k < elements; k++) {
    let text = '';
    try {
      text = readFileSync(join(attemptDir, 'out', `items-${k}.jsonl`), 'utf8');
    } catch {
      continue;
    }
    const mine: ItemRecord[] = [];
    for (const line of text.split('\n')) {
      try {
        if (line.trim()) mine.push(JSON.parse(line) as ItemRecord);
      } catch {
        // a line cut short
      }
    }
    records.push(...mine);
    if (mine.length) {
      perElement.push({
        element: k,
        firstStart: Math.min(...mine.map((r) => Date.parse(r.startedAt))),
        lastEnd: Math.max(...mine.map((r) => Date.parse(r.endedAt))),
      });
    }
  }
  return { records, perElement };
}

/**
 * The makespan of `items` items packed `itemsPerElement` to an element if every item took
 * `itemS` and every element started the moment one of `slots` was free, in index order
 * (Slurm's %k). Several array jobs of one step behave the same: they share the slots.
 */
export function packingBound(items: number, itemsPerElement: number, slots: number, itemS: number): number {
  const free = new Array<number>(slots).fill(0);
  for (let first = 0; first < items; first += itemsPerElement) {
    const i = free.indexOf(Math.min(...free));
    free[i] = (free[i] as number) + Math.min(itemsPerElement, items - first) * itemS;
  }
  return Math.max(...free);
}

// ---------------------------------------------------------------------------------------
// Report formatting

export function fmt(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// ---------------------------------------------------------------------------------------
// Cairn, started with the counting shims

export interface CountedStack {
  stack: CairnStack;
  shims: ReturnType<typeof writeShims>;
  /** Seconds the stack took to start (reported, never measured against anything). */
  startS: number;
  /** Stops the stack once; removes its directory unless `keep`. */
  stop: () => Promise<void>;
}

/**
 * Starts the whole of Cairn (`startCairnStack`) with the counting shims first on the PATH
 * the harness hands to the services; the benchmark's own Slurm calls use absolute paths.
 */
export async function startCountedStack(
  workDir: string,
  bins: Bins,
  keep: boolean,
  log: (m: string) => void,
  /** Settings for the agent beyond the harness's (e.g. CAIRN_POLL_MAX_INTERVAL_MS). */
  agentEnv: Record<string, string> = {},
): Promise<CountedStack> {
  const shims = writeShims(workDir, bins);
  /* eslint-disable no-restricted-properties -- the harness reads PATH from process.env */
  const originalPath = process.env['PATH'];
  process.env['PATH'] = `${shims.dir}:${originalPath ?? '/usr/bin:/bin'}`;
  log('cairn: starting the stack (private NATS, fresh database, gateway, scheduler, images, agent)');
  const startT = now();
  let stack: CairnStack;
  try {
    stack = await startCairnStack(Object.keys(agentEnv).length > 0 ? { agentEnv } : {});
  } finally {
    process.env['PATH'] = originalPath;
  }
  /* eslint-enable no-restricted-properties */
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stack.stop();
    if (!keep) rmSync(stack.dir, { recursive: true, force: true });
  };
  return { stack, shims, startS: (now() - startT) / 1000, stop };
}
