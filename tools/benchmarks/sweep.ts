/**
 * Sweeps: N short tasks (`sleep <task-seconds>`, one per item) four ways on the same Slurm
 * partition in one run, each compared with the ideal makespan (N × task ÷ the partition's
 * job slots):
 *
 *   (a) one `sbatch --wrap` per item, then one `squeue --name` per second until all ended;
 *   (b) one plain `sbatch --array` with one item per element (split at MaxArraySize),
 *       waited the same way;
 *   (c) Cairn: ONE `SubmitJob` whose `array` packs the items into the elements of one Slurm
 *       array job (items per element chosen so an element runs about --target-seconds),
 *       throttled to the slots, followed with WatchJob until final;
 *   (d) Cairn's workflow engine: ONE `SubmitWorkflow` of a file with one array step over
 *       the N items (`itemEstimate`, `targetDuration`, `throttle` = the slots); the engine
 *       packs the items itself (several Cairn jobs above 10,000 items), followed with
 *       WatchWorkflow until the run ends (its end is what the client sees, as WatchJob's is
 *       for (c)), and GetWorkflow every 500 ms for the timeline of its steps and items.
 *
 *   node -r ./tools/register.js tools/benchmarks/sweep.ts --items 1000 --task-seconds 0.2
 *
 * The baselines run `sleep` directly (`--wrap`, no container); Cairn runs it inside the
 * container (`/bin/sleep`, in the workflow `sleep`, in lab/busybox:1.36, through ch-run:
 * once per element with the agent's item runner (ADR 0016), else once per item; the report
 * says which, read from the attempts' directories). Prints a markdown report to stdout (progress to stderr): makespan (client
 * and Slurm clocks), its ratio to the ideal, Slurm jobs (sbatch calls, job records incl.
 * array tasks), Cairn jobs with their elements and items per element, controller RPCs from
 * sdiag deltas (submissions, queries, all), and the agent's Slurm processes, counted by
 * shims first on the PATH of the services. Method and recorded results:
 * docs/benchmarks.md. Needs the dev cluster and root (sdiag, the agent's job wrapper).
 * It reports numbers; it asserts none. Nothing in Cairn is changed to measure it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkflowsClient } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { testEnv } from '@cairn/testing';
import {
  type Bins,
  countCalls,
  type CountedStack,
  type ElementSpan,
  FINAL_SLURM,
  findBins,
  fmt,
  type ItemRecord,
  mean,
  median,
  now,
  packingBound,
  partitionInfoCalls,
  processes,
  progressLog,
  quantile,
  readItemRecords,
  run,
  type Sdiag,
  type SdiagDelta,
  sdiag,
  sdiagDelta,
  type ShimCall,
  sleep,
  startCountedStack,
  stateName,
  sum,
  treeCommit,
} from './bench-kit';
import { type Breakdown, breakdown, breakdownNotes, readArrayTimeline, slurmLogPaths } from './slurm-timeline';

// ---------------------------------------------------------------------------------------
// Options

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/sweep.ts [options]
  --items N               items in the sweep (default 1000; the cairn phase, one job,
                          takes at most 10000 and is left out above that unless --only
                          names it; the workflow phase takes more)
  --task-seconds T        each item runs \`sleep T\` (default 0.2)
  --target-seconds S      Cairn: items per element = floor(S / T), so an element runs about
                          S seconds (default 10); the workflow gets the same ratio as
                          itemEstimate ceil(T) s, targetDuration floor(S / T) × ceil(T) s
                          (the language takes whole seconds)
  --packing LIST          Cairn runs, comma-separated (default target,balanced):
                            target    elements = ceil(N / floor(S / T))
                            balanced  that many elements rounded up to a multiple of the
                                      slots (no idle slot in the last wave; small sweeps
                                      still use every slot); skipped when it equals target
  --per-element K         Cairn: exactly K items per element (replaces --packing)
  --only LIST             phases to run, comma-separated: per-item,array,cairn,workflow
                          (default all)
  --poll-interval-ms P    baselines: one squeue --name every P ms while waiting (default 1000)
  --agent-max-poll-ms M   Cairn: the agent's CAIRN_POLL_MAX_INTERVAL_MS, the ceiling of its
                          back-off (default: the test harness's 1000; the agent's own default is 8000)
  --agent-glance-ms G     Cairn: the agent's CAIRN_POLL_GLANCE_MS, how often it looks at the
                          wrappers' files between polls (default: the agent's, 100; 0: only at polls)
  --timeout-s S           per phase, first submission to all ended (default 600 + N)
  --json FILE             also write the raw measurements as JSON
  --keep                  keep the temporary directories (job output, stack logs)`;

const { values: opts } = parseArgs({
  options: {
    items: { type: 'string', default: '1000' },
    'task-seconds': { type: 'string', default: '0.2' },
    'target-seconds': { type: 'string', default: '10' },
    packing: { type: 'string', default: 'target,balanced' },
    'per-element': { type: 'string' },
    only: { type: 'string' },
    'poll-interval-ms': { type: 'string', default: '1000' },
    'agent-max-poll-ms': { type: 'string' },
    'agent-glance-ms': { type: 'string' },
    'timeout-s': { type: 'string' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) usageError(`--${name} must be a positive integer, not ${JSON.stringify(value)}`);
  return n;
}

function nonNegativeInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!/^\d+$/.test(value ?? '') || !Number.isSafeInteger(n)) usageError(`--${name} must be a whole number, not ${JSON.stringify(value)}`);
  return n;
}

function positiveNumber(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value ?? '') || !(n > 0)) usageError(`--${name} must be a positive decimal number, not ${JSON.stringify(value)}`);
  return n;
}

function list<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T[] {
  const parts = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of parts) if (!allowed.includes(p as T)) usageError(`--${name}: unknown ${JSON.stringify(p)} (one of ${allowed.join(', ')})`);
  if (parts.length === 0) usageError(`--${name} is empty`);
  return [...new Set(parts)] as T[];
}

if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
const N = positiveInt('items', opts.items);
/** As given on the command line: the argument of every `sleep`. */
const TASK_ARG = opts['task-seconds'] ?? '0.2';
const TASK_S = positiveNumber('task-seconds', TASK_ARG);
const TARGET_S = positiveNumber('target-seconds', opts['target-seconds']);
const PACKINGS = list('packing', opts.packing, ['target', 'balanced'] as const);
const PER_ELEMENT = opts['per-element'] === undefined ? undefined : positiveInt('per-element', opts['per-element']);
const ALL_PHASES = ['per-item', 'array', 'cairn', 'workflow'] as const;
const PHASES = list('only', opts.only ?? ALL_PHASES.join(','), ALL_PHASES);
const POLL_INTERVAL_MS = positiveInt('poll-interval-ms', opts['poll-interval-ms']);
/** The agent's back-off ceiling when given (else the harness's, 1000 ms). */
const AGENT_MAX_POLL_MS = opts['agent-max-poll-ms'] === undefined ? undefined : positiveInt('agent-max-poll-ms', opts['agent-max-poll-ms']);
/** The agent's glance period when given (0 turns it off; else the agent's default). */
const AGENT_GLANCE_MS = opts['agent-glance-ms'] === undefined ? undefined : nonNegativeInt('agent-glance-ms', opts['agent-glance-ms']);
const TIMEOUT_MS = positiveInt('timeout-s', opts['timeout-s'] ?? String(600 + N)) * 1000;
const RUN_ID = randomBytes(4).toString('hex');
const PARTITION = testEnv().partition;
const IMAGE = 'lab/busybox:1.36';
/** The limits of JobSpec.array (libs/contracts/src/job-spec.ts). */
const CAIRN_MAX_ITEMS = 10_000;
const CAIRN_MAX_ELEMENTS = 1000;
/** CAIRN_POLL_INTERVAL_MS that startCairnStack() gives the agent (libs/testing/src/cairn-stack.ts). */
const AGENT_POLL_MS = 500;
/** CAIRN_ENGINE_INTERVAL_MS that startCairnStack() gives the scheduler. */
const ENGINE_PASS_MS = 500;
/** The workflow phase reads the run (GetWorkflow) this often until it ends. */
const WORKFLOW_POLL_MS = 500;
/** The request every baseline job makes: the same as the one Cairn's agent sends. */
const BASELINE_RESOURCES = [`--partition=${PARTITION}`, '--ntasks=1', '--cpus-per-task=1', '--mem=64M', '--time=0-00:02:00'];

/** slurmctld's and slurmd's log files (scontrol show config), for the ms breakdown of the Cairn phases. */
let SLURM_LOGS: { ctld?: string; slurmd?: string } = {};

/** Set when the default phases had to leave out the one-job Cairn phase. */
let cairnLeftOut: string | undefined;
if (PHASES.includes('cairn') && N > CAIRN_MAX_ITEMS) {
  if (opts.only !== undefined) usageError(`--items: the cairn phase submits one job, which takes at most ${CAIRN_MAX_ITEMS} items (the workflow phase takes more)`);
  PHASES.splice(PHASES.indexOf('cairn'), 1);
  cairnLeftOut = `cairn phase left out: one Cairn job takes at most ${fmt(CAIRN_MAX_ITEMS)} items`;
}

// ---------------------------------------------------------------------------------------
// Small helpers

const log = progressLog('sweep');




/** Seconds since boot, the clock of the shims' call log. */
const uptime = () => Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);



// ---------------------------------------------------------------------------------------
// The partition and the controller

interface Partition {
  totalCpus: number;
  overSubscribe: string;
  /** Jobs of one CPU that can run at once: TotalCPUs × k for OverSubscribe=FORCE:k. */
  slots: number;
}

async function readPartition(bins: Bins): Promise<Partition> {
  const out = await run(bins.scontrol, ['show', 'partition', PARTITION]);
  const totalCpus = Number(/TotalCPUs=(\d+)/.exec(out)?.[1] ?? NaN);
  const overSubscribe = /OverSubscribe=(\S+)/.exec(out)?.[1] ?? 'NO';
  if (!Number.isInteger(totalCpus) || totalCpus < 1) throw new Error(`scontrol show partition ${PARTITION} printed no TotalCPUs`);
  // FORCE:k shares every CPU among k jobs; YES:k only when jobs ask for it (ours do not).
  const force = /^FORCE(?::(\d+))?$/.exec(overSubscribe);
  const perCpu = force ? Number(force[1] ?? 4) : 1;
  return { totalCpus, overSubscribe, slots: totalCpus * perCpu };
}

async function maxArraySize(bins: Bins): Promise<number> {
  const out = await run(bins.scontrol, ['show', 'config']);
  const value = Number(/^MaxArraySize\s*=\s*(\d+)/m.exec(out)?.[1] ?? NaN);
  if (!Number.isInteger(value) || value < 1) throw new Error('scontrol show config printed no MaxArraySize');
  return value;
}





/** How many jobs the controller remembers (finished ones too), and how many are not final. */
async function controllerJobs(bins: Bins): Promise<{ remembered: number; open: number }> {
  const states = (await run(bins.squeue, ['-h', '-r', '-t', 'all', '-o', '%T'])).split('\n').filter((l) => l.trim());
  return { remembered: states.length, open: states.filter((s) => !FINAL_SLURM.test(s)).length };
}

interface SlurmTimes {
  /** Job records, array tasks counted one by one. */
  records: number;
  states: Record<string, number>;
  /** First SubmitTime to last EndTime (1 s resolution). */
  makespanS: number;
  /** First SubmitTime as a wall-clock time (ms since the epoch). */
  firstSubmitMs: number;
  /** Seconds from the first StartTime to the last EndTime. */
  runSpanS: number;
  meanRunS: number;
  /** Per record, for the JSON file: id|state|submit|start|end as squeue printed them. */
  jobs: string[];
}

/** Slurm's submit/start/end times of every record of the selected jobs (one squeue call). */
async function slurmTimes(bins: Bins, select: string[]): Promise<SlurmTimes> {
  const out = await run(bins.squeue, ['-h', '-r', '-t', 'all', ...select, '-o', '%i|%T|%V|%S|%e']);
  const rows: { state: string; submit: number; start: number; end: number }[] = [];
  const jobs: string[] = [];
  for (const line of out.split('\n')) {
    if (!line.trim()) continue;
    jobs.push(line.trim());
    const [, state = '', submit = '', start = '', end = ''] = line.trim().split('|');
    rows.push({ state: state.split(/\s/)[0] ?? state, submit: Date.parse(submit), start: Date.parse(start), end: Date.parse(end) });
  }
  const states: Record<string, number> = {};
  for (const r of rows) states[r.state] = (states[r.state] ?? 0) + 1;
  const done = rows.filter((r) => Number.isFinite(r.end) && Number.isFinite(r.start));
  const firstSubmit = Math.min(...rows.map((r) => r.submit).filter(Number.isFinite));
  const lastEnd = Math.max(...done.map((r) => r.end));
  return {
    records: rows.length,
    states,
    makespanS: done.length ? (lastEnd - firstSubmit) / 1000 : NaN,
    firstSubmitMs: firstSubmit,
    runSpanS: done.length ? (lastEnd - Math.min(...done.map((r) => r.start))) / 1000 : NaN,
    meanRunS: mean(done.map((r) => (r.end - r.start) / 1000)),
    jobs,
  };
}

// ---------------------------------------------------------------------------------------
// Phases

type PhaseKey = 'per-item' | 'array' | `cairn-${'target' | 'balanced' | 'custom'}` | 'workflow';

interface PhaseResult {
  key: PhaseKey;
  label: string;
  /** How the task ran, for the table: no container, or Cairn's container. */
  runs: string;
  sbatchCalls: number;
  /** Distinct Slurm job ids the approach made (an array job counts once). */
  slurmJobs: number;
  squeueCalls: number;
  /** Cairn: the agent's other Slurm processes (scancel, sinfo, "scontrol show partition", ...). */
  otherSlurmCalls: Record<string, number>;
  /** Processes of this approach that each make one REQUEST_PARTITION_INFO (squeue, sinfo, scontrol show partition). */
  partitionInfoCalls: number;
  /** Slurm job records the approach creates, array tasks counted one by one. */
  expectedRecords: number;
  /**
   * Cairn: Cairn jobs, elements (all jobs together), items per element (as the jobs'
   * spec.array say: chosen by the benchmark, or by the workflow engine), throttle (%k).
   */
  packing?: { cairnJobs: number; elements: number; itemsPerElement: number; throttle: number; boundS: number; boundMeasuredS?: number };
  /** First submission to the last submission returned (baseline) or SubmitJob returned (Cairn). */
  submitS: number;
  /** First submission to the moment the client saw every item end. */
  makespanS: number;
  timedOut: boolean;
  /** Items (baseline: job records) that ended COMPLETED / exit 0. */
  completedItems: number;
  /** Cairn: the job's or the run's final state, e.g. "job COMPLETED", "run SUCCEEDED". */
  finalState?: string;
  sdiag: SdiagDelta;
  slurm: SlurmTimes;
  /** Seconds from the client's first submission to Slurm's first SubmitTime (1 s resolution). */
  toFirstSlurmSubmitS: number;
  controllerAtStart: { remembered: number; open: number };
  loadavgStart: number[];
  loadavgEnd: number[];
  notes: string[];
  warnings: string[];
  /** Per job / item, for the JSON file. */
  detail: unknown;
}

/** Waits until every record of the named jobs has ended: ONE squeue per period. */
async function waitByName(
  bins: Bins,
  label: string,
  name: string,
  expected: number,
  t0: number,
): Promise<{ polls: number; endedAt: number; timedOut: boolean; states: Record<string, number>; errors: number }> {
  let polls = 0;
  let errors = 0;
  let lastReport = now();
  const deadline = t0 + TIMEOUT_MS;
  for (;;) {
    const tick = now();
    polls += 1;
    const result = await processes.run(bins.squeue, ['-h', '-r', '-t', 'all', `--name=${name}`, '-o', '%T'], { timeoutMs: 60_000 });
    const seenAt = now();
    if (result.exitCode === 0) {
      const states = result.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      const final = states.filter((s) => FINAL_SLURM.test(s));
      if (states.length >= expected && final.length === states.length) {
        const counts: Record<string, number> = {};
        for (const s of final) counts[s.split(/\s/)[0] ?? s] = (counts[s.split(/\s/)[0] ?? s] ?? 0) + 1;
        return { polls, endedAt: seenAt, timedOut: false, states: counts, errors };
      }
      if (seenAt - lastReport > 10_000) {
        lastReport = seenAt;
        log(`${label}: ${final.length} of ${expected} ended after ${((seenAt - t0) / 1000).toFixed(0)} s`);
      }
    } else {
      errors += 1;
    }
    if (seenAt > deadline) return { polls, endedAt: seenAt, timedOut: true, states: {}, errors };
    await sleep(POLL_INTERVAL_MS - (now() - tick));
  }
}

/** Warnings when someone else used the controller during the phase. */
function foreignActivity(r: PhaseResult): string[] {
  const warnings: string[] = [];
  // Every squeue, sinfo and `scontrol show partition` makes exactly one REQUEST_PARTITION_INFO.
  const ownQueries = r.partitionInfoCalls;
  const foreignQueries = (r.sdiag.rpcs['REQUEST_PARTITION_INFO']?.count ?? 0) - ownQueries;
  const foreignSubmissions = r.sdiag.submissions - r.sbatchCalls;
  if (r.controllerAtStart.open > 0 || foreignSubmissions > 0 || foreignQueries > 0) {
    warnings.push(
      `WARNING: the controller was not quiet: ${r.controllerAtStart.open} other job records queued or running at the start, ` +
        `${Math.max(0, foreignSubmissions)} submissions by others and ≥${Math.max(0, foreignQueries)} queries by others ` +
        `(REQUEST_PARTITION_INFO beyond this approach's ${ownQueries}) during the phase; the sdiag rows include them and the makespan shared the partition`,
    );
  }
  if (r.sdiag.resetDuringPhase) warnings.push('WARNING: sdiag was reset during the phase; its counts are a lower bound');
  return warnings;
}

interface PhaseStart {
  controllerAtStart: { remembered: number; open: number };
  loadavgStart: number[];
  before: Sdiag;
}

async function startPhase(bins: Bins): Promise<PhaseStart> {
  const controllerAtStart = await controllerJobs(bins);
  const loadavgStart = loadavg();
  const before = await sdiag(bins.sdiag);
  return { controllerAtStart, loadavgStart, before };
}

/** (a) and (b): the same `sleep` with `--wrap`, one job per item or one array per MaxArraySize items. */
async function baselinePhase(bins: Bins, workDir: string, kind: 'per-item' | 'array', maxArray: number): Promise<PhaseResult> {
  const name = `sweep-${RUN_ID}-${kind}`;
  const dir = join(workDir, kind);
  mkdirSync(dir, { recursive: true });
  const common = ['--parsable', '--wrap', `sleep ${TASK_ARG}`, `--chdir=${dir}`, `--job-name=${name}`, ...BASELINE_RESOURCES];
  const calls: string[][] = [];
  if (kind === 'per-item') {
    for (let i = 0; i < N; i++) calls.push([...common, '-o', `${dir}/%j.out`]);
  } else {
    // Indices must stay below MaxArraySize: one array per MaxArraySize items, each 0-based.
    for (let first = 0; first < N; first += maxArray) {
      calls.push([...common, '-o', `${dir}/%A_%a.out`, `--array=0-${Math.min(maxArray, N - first) - 1}`]);
    }
  }
  const label = kind === 'per-item' ? '(a) sbatch per item' : '(b) sbatch --array';
  const start = await startPhase(bins);
  log(`${label}: ${calls.length} sbatch call${calls.length === 1 ? '' : 's'} for ${N} items`);
  const ids: string[] = [];
  const t0 = now();
  const t0Wall = Date.now();
  for (const [i, args] of calls.entries()) {
    const out = await run(bins.sbatch, args);
    const id = out.trim().split(';')[0] ?? '';
    if (!/^\d+$/.test(id)) throw new Error(`unexpected sbatch output ${JSON.stringify(out)}`);
    ids.push(id);
    if ((i + 1) % 1000 === 0) log(`${label}: ${i + 1} submitted`);
  }
  const submitS = (now() - t0) / 1000;
  log(`${label}: submitted in ${submitS.toFixed(1)} s; one squeue --name=${name} every ${POLL_INTERVAL_MS} ms until all ${N} records ended`);
  const waited = await waitByName(bins, label, name, N, t0);
  const makespanS = (waited.endedAt - t0) / 1000;
  const after = await sdiag(bins.sdiag);
  const loadavgEnd = loadavg();
  const notes: string[] = [];
  if (waited.timedOut) {
    notes.push(`TIMED OUT after ${TIMEOUT_MS / 1000} s; this approach's remaining jobs cancelled`);
    await processes.run(bins.scancel, [`--name=${name}`]);
  }
  if (waited.errors) notes.push(`${waited.errors} squeue calls failed (tried again at the next period)`);
  const slurm = await slurmTimes(bins, [`--name=${name}`]);
  notes.push(`sbatch: ${calls.length} call${calls.length === 1 ? '' : 's'} in ${submitS.toFixed(1)} s`);
  notes.push(`waiting: ${waited.polls} squeue --name calls, each listing every job the controller remembers (the name filter is applied by squeue)`);
  const result: PhaseResult = {
    key: kind,
    label: kind === 'per-item' ? '(a) sbatch per item' : '(b) plain sbatch --array',
    runs: `sh -c 'sleep ${TASK_ARG}' via --wrap, no container`,
    sbatchCalls: calls.length,
    slurmJobs: new Set(ids).size,
    squeueCalls: waited.polls,
    otherSlurmCalls: {},
    partitionInfoCalls: waited.polls,
    expectedRecords: N,
    submitS,
    makespanS,
    timedOut: waited.timedOut,
    completedItems: waited.states['COMPLETED'] ?? 0,
    sdiag: sdiagDelta(start.before, after),
    slurm,
    toFirstSlurmSubmitS: (slurm.firstSubmitMs - t0Wall) / 1000,
    controllerAtStart: start.controllerAtStart,
    loadavgStart: start.loadavgStart,
    loadavgEnd,
    notes,
    warnings: [],
    detail: { slurmJobIds: ids, records: slurm.jobs },
  };
  result.warnings = foreignActivity(result);
  return result;
}


const S = pb.JobState;
const FINAL_CAIRN = new Set([S.JOB_STATE_COMPLETED, S.JOB_STATE_FAILED, S.JOB_STATE_CANCELLED, S.JOB_STATE_TIMEOUT]);
const W = pb.WorkflowState;
const FINAL_RUN = new Set([W.WORKFLOW_STATE_SUCCEEDED, W.WORKFLOW_STATE_FAILED, W.WORKFLOW_STATE_CANCELLED]);
const runStateName = (s: pb.WorkflowState) => (pb.WorkflowState[s] ?? String(s)).replace('WORKFLOW_STATE_', '');
const stepStateName = (s: pb.StepState) => (pb.StepState[s] ?? String(s)).replace('STEP_STATE_', '');

interface Packing {
  key: 'target' | 'balanced' | 'custom';
  itemsPerElement: number;
  elements: number;
  how: string;
}

/** The target packing (floor(S / T) items per element) and the balanced one (elements rounded up to a multiple of the slots). */
function targetAndBalanced(slots: number): { target: Packing; balanced: Packing } {
  const elementsOf = (k: number) => Math.ceil(N / k);
  // Element limit first: Cairn refuses more than 1000 elements.
  const perTarget = Math.max(Math.floor(TARGET_S / TASK_S + 1e-9), 1, Math.ceil(N / CAIRN_MAX_ELEMENTS));
  const target: Packing = {
    key: 'target',
    itemsPerElement: Math.min(perTarget, N),
    elements: elementsOf(Math.min(perTarget, N)),
    how: `floor(${TARGET_S} s / ${TASK_S} s) items per element`,
  };
  const wanted = Math.min(N, CAIRN_MAX_ELEMENTS, Math.ceil(target.elements / slots) * slots);
  const perBalanced = Math.ceil(N / wanted);
  const balanced: Packing = {
    key: 'balanced',
    itemsPerElement: perBalanced,
    elements: elementsOf(perBalanced),
    how: `${plural(target.elements, 'element')} rounded up to a multiple of ${slots} slots`,
  };
  return { target, balanced };
}

/** The Cairn runs: items per element for each packing asked for (duplicates dropped). */
function packings(slots: number): Packing[] {
  if (PER_ELEMENT !== undefined) {
    const k = Math.min(PER_ELEMENT, N);
    return [{ key: 'custom', itemsPerElement: k, elements: Math.ceil(N / k), how: `--per-element ${PER_ELEMENT}` }];
  }
  const { target, balanced } = targetAndBalanced(slots);
  const out: Packing[] = [];
  if (PACKINGS.includes('target')) out.push(target);
  if (PACKINGS.includes('balanced') && !(PACKINGS.includes('target') && balanced.itemsPerElement === target.itemsPerElement)) out.push(balanced);
  return out;
}

/** One Cairn array attempt: where the agent keeps its item records, and how many elements it has. */
interface ArrayAttempt {
  attemptDir: string;
  elements: number;
}

/** What both Cairn phases report beyond the controller's counts. */
interface CairnFigures {
  records: ItemRecord[];
  perElement: ElementSpan[];
  okItems: number;
  boundS: number;
  boundMeasuredS?: number;
  /** The agent's Slurm processes, scontrol by subcommand. */
  counts: Record<string, number>;
  /** How the attempts started the container: once per element (item runner), once per item, or both. */
  starts: ContainerStarts;
  notes: string[];
}

type ContainerStarts = 'per element' | 'per item' | 'per element and per item';

/** An attempt launched through the item runner has an `element-launch` file (ADR 0016); else the per-item wrapper ran. */
function containerStarts(attempts: ArrayAttempt[]): ContainerStarts {
  const kinds = new Set(attempts.map((a) => (existsSync(join(a.attemptDir, 'element-launch')) ? 'per element' : 'per item')));
  return kinds.size === 1 ? ([...kinds][0] as 'per element' | 'per item') : 'per element and per item';
}

/**
 * The figures of a Cairn phase from the array wrapper's item records, the agent's Slurm
 * calls (shims) and Slurm's times: packing bound, item wall times, element spans, calls.
 */
function cairnFigures(attempts: ArrayAttempt[], itemsPerElement: number, slots: number, calls: ShimCall[], slurm: SlurmTimes): CairnFigures {
  const records: ItemRecord[] = [];
  const perElement: ElementSpan[] = [];
  for (const a of attempts) {
    const read = readItemRecords(a.attemptDir, a.elements);
    records.push(...read.records);
    perElement.push(...read.perElement);
  }
  const counts = countCalls(calls);
  const starts = containerStarts(attempts);
  const walls = records.map((r) => (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000);
  const okItems = records.filter((r) => r.exitCode === 0).length;
  const itemMeanS = mean(walls);
  const boundS = packingBound(N, itemsPerElement, slots, TASK_S);
  const boundMeasuredS = Number.isFinite(itemMeanS) ? packingBound(N, itemsPerElement, slots, itemMeanS) : undefined;
  const elementSpans = perElement.map((e) => (e.lastEnd - e.firstStart) / 1000);
  const notes: string[] = [];
  notes.push(
    `bound from packing alone (each item exactly ${TASK_ARG} s, elements start at once): ${boundS.toFixed(1)} s = ${(boundS / ((N * TASK_S) / slots)).toFixed(2)}× ideal; ` +
      `with the measured mean item time (${itemMeanS.toFixed(3)} s): ${boundMeasuredS?.toFixed(1) ?? '—'} s`,
  );
  notes.push(
    `items, as the array wrapper recorded them (${records.length} records, ${okItems} exit 0): wall time per item (${starts === 'per item' ? 'ch-run start + sleep' : 'the runner starting the item + sleep, inside the element\'s container'}) median ${median(walls).toFixed(3)} s, ` +
      `mean ${itemMeanS.toFixed(3)} s, p99 ${quantile(walls, 0.99).toFixed(3)} s, so ${(itemMeanS - TASK_S).toFixed(3)} s per item beyond the sleep`,
  );
  if (elementSpans.length) {
    notes.push(
      `elements: first item start → last item end median ${median(elementSpans).toFixed(1)} s; Slurm run time per element mean ${slurm.meanRunS.toFixed(1)} s (1 s resolution)`,
    );
  }
  const others = Object.entries(counts).filter(([k]) => k !== 'sbatch' && k !== 'squeue');
  notes.push(
    `the agent ran ${counts['sbatch'] ?? 0} sbatch, ${counts['squeue'] ?? 0} squeue (poll interval ${AGENT_POLL_MS} ms in the harness)` +
      others.map(([k, v]) => `, ${v} ${k}`).join(''),
  );
  return { records, perElement, okItems, boundS, ...(boundMeasuredS !== undefined ? { boundMeasuredS } : {}), counts, starts, notes };
}

/**
 * Where the time of one Slurm array job went, in ms (slurm-timeline.ts): undefined when the
 * logs cannot be read. `t0Wall` and `endWall` are the client's submission and end (epoch ms).
 */
function timeBreakdown(slurmJobId: string | undefined, spans: ElementSpan[], t0Wall: number, endWall: number, slots: number): Breakdown | undefined {
  if (!slurmJobId || !/^\d+$/.test(slurmJobId)) return undefined;
  const timeline = readArrayTimeline(SLURM_LOGS, slurmJobId);
  return timeline && timeline.tasks.size > 0 ? breakdown(timeline, spans, t0Wall, endWall, slots) : undefined;
}

/** A STALL note when Cairn reported the end long after Slurm's last EndTime (keeps the logs). */
function stallCheck(makespanS: number, timedOut: boolean, slurm: SlurmTimes, t0Wall: number, stackDir: string): string | undefined {
  if (timedOut || !(makespanS > slurm.makespanS + (slurm.firstSubmitMs - t0Wall) / 1000 + 15)) return undefined;
  opts.keep = true;
  return `STALL: Cairn reported the end more than 15 s after Slurm's last EndTime; service logs kept in ${stackDir}`;
}

/** The Cairn phases' fields that do not depend on how the work was submitted. */
function cairnCommon(program: string, counts: Record<string, number>, starts: ContainerStarts): Pick<PhaseResult, 'runs' | 'sbatchCalls' | 'squeueCalls' | 'otherSlurmCalls' | 'partitionInfoCalls'> {
  return {
    runs: `${program} ${TASK_ARG} in ${IMAGE} via ch-run, one ch-run ${starts}${starts === 'per item' ? '' : ' (item runner)'}`,
    sbatchCalls: counts['sbatch'] ?? 0,
    squeueCalls: counts['squeue'] ?? 0,
    otherSlurmCalls: Object.fromEntries(Object.entries(counts).filter(([k]) => k !== 'sbatch' && k !== 'squeue')),
    partitionInfoCalls: partitionInfoCalls(counts),
  };
}

const jobSpec = (name: string, array: pb.ItemArray | undefined, timeLimitSeconds: number): pb.JobSpec => ({
  name,
  image: IMAGE,
  command: ['/bin/sleep', TASK_ARG],
  env: {},
  array,
  site: '',
  resources: { cpus: 1, memoryMb: 64, timeLimitSeconds, partition: '' },
});

/** (c) ONE SubmitJob whose array packs the items as `packing` says; WatchJob until final. */
async function jobPhase(bins: Bins, counted: CountedStack, packing: Packing, slots: number): Promise<PhaseResult> {
  const { stack, shims } = counted;
  const { client } = stack;
  const name = `sweep-${RUN_ID}-${packing.key}`;
  const label = `(c) Cairn, ${packing.key} packing`;
  // The time limit applies to each element: 2 minutes, or more for a long element.
  const timeLimitSeconds = Math.max(120, Math.ceil(packing.itemsPerElement * (TASK_S + 1)));
  const array: pb.ItemArray = { items: Array.from({ length: N }, (_, i) => String(i)), itemsPerElement: packing.itemsPerElement, throttle: slots };
  const shimBefore = shims.calls().length;
  const start = await startPhase(bins);
  log(`${label}: ONE SubmitJob of ${N} items, ${packing.itemsPerElement} per element (${plural(packing.elements, 'element')}, ${packing.how}), throttle ${slots}; WatchJob until final`);
  const uptime0 = uptime();
  const t0 = now();
  const t0Wall = Date.now();
  const { job } = await client.submitJob({ spec: jobSpec(name, array, timeLimitSeconds), requestId: name });
  if (!job) throw new Error('no job in SubmitJobResponse');
  const submitS = (now() - t0) / 1000;
  const events: { state: string; atS: number; reason: string }[] = [];
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
  let finalState: pb.JobState | undefined;
  let finalAt = NaN;
  try {
    for await (const event of client.watchJob(job.jobId, abort.signal)) {
      events.push({ state: stateName(event.state), atS: (now() - t0) / 1000, reason: event.reason });
      if (FINAL_CAIRN.has(event.state)) {
        finalState = event.state;
        finalAt = now();
        break;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  const timedOut = finalState === undefined;
  const makespanS = ((timedOut ? now() : finalAt) - t0) / 1000;
  const after = await sdiag(bins.sdiag);
  const loadavgEnd = loadavg();
  const calls = shims.calls().slice(shimBefore);
  const notes: string[] = [];
  if (timedOut) {
    notes.push(`TIMED OUT after ${TIMEOUT_MS / 1000} s; job cancelled`);
    await client.cancelJob(job.jobId).catch(() => undefined);
  }
  const done = await client.getJob(job.jobId);
  const slurm = done.slurmJobId ? await slurmTimes(bins, ['-j', done.slurmJobId]) : await slurmTimes(bins, [`--name=cairn-${done.attemptId}`]);
  const attemptDir = join(stack.dir, 'agent', 'attempts', done.attemptId);
  const figures = cairnFigures([{ attemptDir, elements: packing.elements }], packing.itemsPerElement, slots, calls, slurm);
  const sbatchAt = calls.find((c) => c.name === 'sbatch')?.at;
  notes.push(`final state ${finalState === undefined ? 'none (timed out)' : stateName(finalState)}${done.reason ? `: "${done.reason}"` : ''}; Slurm array job ${done.slurmJobId || '?'}`);
  notes.push(`packing: ${packing.itemsPerElement} items per element (${packing.how}), ${plural(packing.elements, 'element')}, throttle %${slots}, time limit ${timeLimitSeconds} s per element`);
  notes.push(...figures.notes);
  notes.push(
    `timeline (client clock, from SubmitJob): SubmitJob returned ${submitS.toFixed(2)} s; ` +
      events.map((e) => `${e.state} ${e.atS.toFixed(1)} s`).join(', ') +
      (sbatchAt !== undefined ? `; the agent's sbatch ${(sbatchAt - uptime0).toFixed(2)} s` : '') +
      `; Slurm SubmitTime ${seconds((slurm.firstSubmitMs - t0Wall) / 1000)}`,
  );
  const times = timeBreakdown(done.slurmJobId, figures.perElement, t0Wall, t0Wall + makespanS * 1000, slots);
  if (times) notes.push(...breakdownNotes(times));
  const stall = stallCheck(makespanS, timedOut, slurm, t0Wall, stack.dir);
  if (stall) notes.push(stall);
  const result: PhaseResult = {
    key: `cairn-${packing.key}`,
    label: `(c) Cairn, ${packing.key} packing: ${packing.elements} × ${packing.itemsPerElement}`,
    ...cairnCommon('/bin/sleep', figures.counts, figures.starts),
    slurmJobs: done.slurmJobId ? 1 : 0,
    expectedRecords: packing.elements,
    packing: {
      cairnJobs: 1,
      elements: packing.elements,
      itemsPerElement: packing.itemsPerElement,
      throttle: slots,
      boundS: figures.boundS,
      ...(figures.boundMeasuredS !== undefined ? { boundMeasuredS: figures.boundMeasuredS } : {}),
    },
    submitS,
    makespanS,
    timedOut,
    completedItems: figures.okItems,
    finalState: `job ${finalState === undefined ? 'not final' : stateName(finalState)}`,
    sdiag: sdiagDelta(start.before, after),
    slurm,
    toFirstSlurmSubmitS: (slurm.firstSubmitMs - t0Wall) / 1000,
    controllerAtStart: start.controllerAtStart,
    loadavgStart: start.loadavgStart,
    loadavgEnd,
    notes,
    warnings: [],
    detail: {
      jobId: done.jobId,
      attemptId: done.attemptId,
      slurmJobId: done.slurmJobId,
      reason: done.reason,
      events,
      breakdown: times,
      agentSlurmCalls: calls,
      records: slurm.jobs,
      items: figures.records,
    },
  };
  result.warnings = foreignActivity(result);
  if (finalState !== S.JOB_STATE_COMPLETED) {
    result.warnings.push(`WARNING: the Cairn job did not end COMPLETED (${result.finalState}); service logs kept in ${stack.dir}`);
    opts.keep = true;
  }
  return result;
}

/**
 * The workflow language takes whole seconds, so `itemEstimate` is the task time rounded up
 * and `targetDuration` that many times floor(S / T): the engine's floor(target ÷ estimate)
 * is then floor(S / T) items per element, as for the target packing, before it balances.
 */
function workflowDurations(): { itemEstimateS: number; targetDurationS: number; perTarget: number } {
  const itemEstimateS = Math.ceil(TASK_S);
  const perTarget = Math.max(1, Math.floor(TARGET_S / TASK_S + 1e-9));
  return { itemEstimateS, targetDurationS: perTarget * itemEstimateS, perTarget };
}

/** The workflow file: one array step over the items 0 … items-1, throttled to the slots. */
function workflowSource(name: string, items: number, slots: number): string {
  const { itemEstimateS, targetDurationS } = workflowDurations();
  return [
    'version: 1',
    `name: ${name}`,
    'steps:',
    '  sweep:',
    `    image: ${IMAGE}`,
    `    command: [sleep, "${TASK_ARG}"]`,
    '    resources: { cpus: 1, memory: 64M, time: 2m }',
    `    array: { range: { from: 0, to: ${items - 1} }, itemEstimate: ${itemEstimateS}s, targetDuration: ${targetDurationS}s, throttle: ${slots} }`,
    '',
  ].join('\n');
}

interface RunWait {
  run: pb.Workflow | undefined;
  /** performance.now() of the GetWorkflow that saw the run end (or gave up). */
  endedAt: number;
  timedOut: boolean;
  polls: number;
  errors: number;
  /** What changed, as the polls saw it: run and step state, Slurm jobs, item counts. */
  timeline: { what: string; atS: number }[];
}

/** GetWorkflow every WORKFLOW_POLL_MS until the run is final (or the phase times out). */
async function waitForRun(workflows: WorkflowsClient, runId: string, t0: number, label: string, timeoutMs: number): Promise<RunWait> {
  const deadline = t0 + timeoutMs;
  const timeline: { what: string; atS: number }[] = [];
  const seen = new Map<string, string>();
  /** Records a value when it changes; counts from their first non-zero value on. */
  const changed = (key: string, value: string | number, atS: number) => {
    if (seen.get(key) === String(value) || (value === 0 && !seen.has(key))) return;
    seen.set(key, String(value));
    timeline.push({ what: `${key} ${value}`, atS });
  };
  let polls = 0;
  let errors = 0;
  let lastReport = now();
  let last: pb.Workflow | undefined;
  for (;;) {
    const tick = now();
    polls += 1;
    const got = await workflows.getWorkflow(runId).catch(() => undefined);
    const seenAt = now();
    const atS = (seenAt - t0) / 1000;
    if (got) {
      last = got;
      const step = got.steps[0];
      if (step) {
        changed('step', stepStateName(step.state), atS);
        changed('Slurm jobs', new Set(step.slurmJobIds).size, atS);
        changed('items succeeded', step.items?.succeeded ?? 0, atS);
        changed('items failed', step.items?.failed ?? 0, atS);
      }
      changed('run', runStateName(got.state), atS);
      if (FINAL_RUN.has(got.state)) return { run: got, endedAt: seenAt, timedOut: false, polls, errors, timeline };
      if (seenAt - lastReport > 10_000) {
        lastReport = seenAt;
        log(`${label}: run ${runStateName(got.state)}, ${step?.items?.succeeded ?? 0} of ${N} items succeeded after ${atS.toFixed(0)} s`);
      }
    } else {
      errors += 1;
    }
    if (seenAt > deadline) return { run: last, endedAt: seenAt, timedOut: true, polls, errors, timeline };
    await sleep(WORKFLOW_POLL_MS - (now() - tick));
  }
}

/** When a WatchWorkflow stream of the run told its final state (undefined: it did not, or failed). */
async function watchRunEnd(workflows: WorkflowsClient, runId: string, signal: AbortSignal): Promise<number | undefined> {
  try {
    for await (const change of workflows.watchWorkflow(runId, signal)) {
      if (change.kind === 'run' && FINAL_RUN.has(change.state)) return now();
    }
  } catch {
    // Aborted, or the stream failed: the polls' time stands.
  }
  return undefined;
}

/** The one-item warm-up run (not measured): the workflow path works and `sleep T` exits 0. */
async function warmUpWorkflow(workflows: WorkflowsClient, slots: number, stackDir: string): Promise<number> {
  const t = now();
  const { workflow } = await workflows.submitWorkflow({ source: workflowSource(`sweep-${RUN_ID}-warmup`, 1, slots), fileName: 'sweep-warmup.yaml' });
  if (!workflow) throw new Error('no workflow in SubmitWorkflowResponse');
  const waited = await waitForRun(workflows, workflow.runId, t, 'workflow warm-up', 180_000);
  if (waited.run?.state !== W.WORKFLOW_STATE_SUCCEEDED) {
    throw new Error(`warm-up workflow (sleep ${TASK_ARG} in ${IMAGE}) ended ${waited.run ? runStateName(waited.run.state) : 'not final'}: ${waited.run?.reason ?? ''}; see ${stackDir}/*.log`);
  }
  return (now() - t) / 1000;
}

/** (d) ONE SubmitWorkflow: one array step over the N items, packed by the engine; GetWorkflow until the run ends. */
async function workflowPhase(bins: Bins, counted: CountedStack, workflows: WorkflowsClient, slots: number): Promise<PhaseResult> {
  const { stack, shims } = counted;
  const label = '(d) Cairn workflow';
  const name = `sweep-${RUN_ID}`;
  const source = workflowSource(name, N, slots);
  const durations = workflowDurations();
  const shimBefore = shims.calls().length;
  const start = await startPhase(bins);
  log(
    `${label}: ONE SubmitWorkflow, one array step of ${N} items (itemEstimate ${durations.itemEstimateS}s, targetDuration ${durations.targetDurationS}s, ` +
      `throttle ${slots}); GetWorkflow every ${WORKFLOW_POLL_MS} ms until the run ends`,
  );
  const uptime0 = uptime();
  const t0 = now();
  const t0Wall = Date.now();
  const { workflow, plan } = await workflows.submitWorkflow({ source, fileName: 'sweep.yaml', requestId: name });
  if (!workflow) throw new Error('no workflow in SubmitWorkflowResponse');
  const submitS = (now() - t0) / 1000;
  // A client watching the run (WatchWorkflow, as the one-job phase watches its job) sees the
  // end when it is published; the polls (every WORKFLOW_POLL_MS) keep the timeline.
  const watch = new AbortController();
  const watched = watchRunEnd(workflows, workflow.runId, watch.signal);
  const waited = await waitForRun(workflows, workflow.runId, t0, label, TIMEOUT_MS);
  const watchedAt = await Promise.race([watched, sleep(5_000).then(() => undefined)]);
  watch.abort();
  const endedAt = !waited.timedOut && watchedAt !== undefined ? Math.min(watchedAt, waited.endedAt) : waited.endedAt;
  const makespanS = (endedAt - t0) / 1000;
  const after = await sdiag(bins.sdiag);
  const loadavgEnd = loadavg();
  const calls = shims.calls().slice(shimBefore);
  const notes: string[] = [];
  let final = waited.run;
  if (waited.timedOut) {
    notes.push(`TIMED OUT after ${TIMEOUT_MS / 1000} s; run cancelled`);
    final = await workflows.cancelWorkflow(workflow.runId).catch(() => final);
  }
  const step = final?.steps.find((s) => s.key === 'sweep') ?? final?.steps[0];

  // The engine's packing, as its Cairn jobs carry it.
  const jobs: pb.Job[] = [];
  for (const jobId of step?.jobIds ?? []) jobs.push(await stack.client.getJob(jobId));
  const jobPacking = jobs.map((j) => {
    const items = j.spec?.array?.items.length ?? 0;
    const perElement = Math.max(1, j.spec?.array?.itemsPerElement ?? 1);
    return { items, perElement, elements: Math.ceil(items / perElement), throttle: j.spec?.array?.throttle ?? 0, timeLimitS: j.spec?.resources?.timeLimitSeconds ?? 0 };
  });
  const elements = sum(jobPacking.map((p) => p.elements));
  const perElementValues = [...new Set(jobPacking.map((p) => p.perElement))];
  const itemsPerElement = perElementValues[0] ?? 0;
  const slurmIds = [...new Set([...(step?.slurmJobIds ?? []), ...jobs.map((j) => j.slurmJobId)].filter(Boolean))];
  const slurm = slurmIds.length
    ? await slurmTimes(bins, ['-j', slurmIds.join(',')])
    : await slurmTimes(bins, [`--name=${jobs.map((j) => `cairn-${j.attemptId}`).join(',') || `none-${RUN_ID}`}`]);
  const attempts = jobs.map((j, i) => ({ attemptDir: join(stack.dir, 'agent', 'attempts', j.attemptId), elements: jobPacking[i]?.elements ?? 0 }));
  const figures = cairnFigures(attempts, itemsPerElement, slots, calls, slurm);
  const runState = final ? runStateName(final.state) : 'not final';
  const endTimeS = final?.endTime ? (final.endTime.getTime() - t0Wall) / 1000 : NaN;
  const sbatchAts = calls.filter((c) => c.name === 'sbatch').map((c) => c.at - uptime0);
  const planned = plan?.steps.find((s) => s.path === 'sweep')?.array;
  const { balanced } = targetAndBalanced(slots);

  notes.push(
    `final state: run ${runState}${final?.reason ? ` ("${final.reason}")` : ''}; step ${step ? stepStateName(step.state) : '?'}` +
      `${step?.reason ? ` ("${step.reason}")` : ''}, attempt ${step?.attempt ?? '?'}, items ${step?.items?.succeeded ?? 0} succeeded and ${step?.items?.failed ?? 0} failed of ${step?.items?.total ?? 0} (the engine's counts)`,
  );
  notes.push(
    `the file asks: itemEstimate ${durations.itemEstimateS}s, targetDuration ${durations.targetDurationS}s (whole seconds: ${durations.perTarget} items per element before balancing, ` +
      `floor(${TARGET_S} s / ${TASK_S} s)), throttle ${slots}; the plan at submission: ${fmt(planned?.elements)} elements × ${fmt(planned?.itemsPerElement)}, arrays ${planned?.arrays.join(' ') || '—'}`,
  );
  notes.push(
    `the engine's packing: ${plural(jobs.length, 'Cairn job')} (${jobPacking.map((p) => `${fmt(p.items)} items: ${p.elements} × ${p.perElement} %${p.throttle}, time limit ${p.timeLimitS} s per element`).join('; ') || 'none'}), ` +
      `Slurm job${slurmIds.length === 1 ? '' : 's'} ${slurmIds.join(', ') || '?'}` +
      (N <= CAIRN_MAX_ITEMS ? `; the cairn phase's balanced packing for this sweep: ${balanced.elements} × ${balanced.itemsPerElement}` : ''),
  );
  notes.push(...figures.notes);
  notes.push(
    `timeline (client clock, from SubmitWorkflow; polled every ${WORKFLOW_POLL_MS} ms, so each up to that late): SubmitWorkflow returned ${submitS.toFixed(2)} s; ` +
      waited.timeline.map((e) => `${e.what} ${e.atS.toFixed(1)} s`).join(', ') +
      (sbatchAts.length ? `; the agent's sbatch ${sbatchAts.map((a) => a.toFixed(2)).join(', ')} s` : '') +
      `; Slurm SubmitTime ${seconds((slurm.firstSubmitMs - t0Wall) / 1000)}; the run's recorded endTime ${Number.isFinite(endTimeS) ? `${endTimeS.toFixed(2)} s` : '—'}` +
      ` (${waited.polls} GetWorkflow calls${waited.errors ? `, ${waited.errors} failed` : ''}; engine pass every ${ENGINE_PASS_MS} ms in the harness)` +
      `; the end seen by WatchWorkflow ${watchedAt === undefined ? '— (no final state streamed: the polls\' time is the makespan)' : `${((watchedAt - t0) / 1000).toFixed(2)} s`}, by the polls ${((waited.endedAt - t0) / 1000).toFixed(2)} s`,
  );
  // One Cairn job (up to 10,000 items): the same breakdown, to the end the watching client saw.
  const times = jobs.length === 1 ? timeBreakdown(jobs[0]?.slurmJobId, figures.perElement, t0Wall, t0Wall + makespanS * 1000, slots) : undefined;
  if (times) notes.push(...breakdownNotes(times));
  const stall = stallCheck(makespanS, waited.timedOut, slurm, t0Wall, stack.dir);
  if (stall) notes.push(stall);
  const result: PhaseResult = {
    key: 'workflow',
    label: `${label}: ${fmt(elements)} × ${perElementValues.join('/') || '?'}${jobs.length === 1 ? '' : ` in ${jobs.length} jobs`}`,
    ...cairnCommon('sleep', figures.counts, figures.starts),
    slurmJobs: slurmIds.length,
    expectedRecords: elements,
    packing: {
      cairnJobs: jobs.length,
      elements,
      itemsPerElement,
      throttle: jobPacking[0]?.throttle ?? slots,
      boundS: figures.boundS,
      ...(figures.boundMeasuredS !== undefined ? { boundMeasuredS: figures.boundMeasuredS } : {}),
    },
    submitS,
    makespanS,
    timedOut: waited.timedOut,
    completedItems: figures.okItems,
    finalState: `run ${runState}`,
    sdiag: sdiagDelta(start.before, after),
    slurm,
    toFirstSlurmSubmitS: (slurm.firstSubmitMs - t0Wall) / 1000,
    controllerAtStart: start.controllerAtStart,
    loadavgStart: start.loadavgStart,
    loadavgEnd,
    notes,
    warnings: [],
    detail: {
      runId: workflow.runId,
      source,
      plan: planned,
      step: step
        ? { state: stepStateName(step.state), attempt: step.attempt, items: step.items, failedItems: step.failedItems, jobIds: step.jobIds, slurmJobIds: step.slurmJobIds, reason: step.reason }
        : undefined,
      runEndTime: final?.endTime?.toISOString(),
      jobs: jobs.map((j, i) => ({ jobId: j.jobId, attemptId: j.attemptId, slurmJobId: j.slurmJobId, state: stateName(j.state), ...jobPacking[i] })),
      timeline: waited.timeline,
      breakdown: times,
      agentSlurmCalls: calls,
      records: slurm.jobs,
      items: figures.records,
    },
  };
  result.warnings = foreignActivity(result);
  if (final?.state !== W.WORKFLOW_STATE_SUCCEEDED) {
    result.warnings.push(`WARNING: the workflow run did not end SUCCEEDED (${result.finalState}); service logs kept in ${stack.dir}`);
    opts.keep = true;
  }
  if (perElementValues.length > 1) result.warnings.push(`WARNING: the engine's jobs differ in items per element (${perElementValues.join(', ')}); the packing bound uses ${itemsPerElement}`);
  if (result.sbatchCalls !== result.slurmJobs) result.warnings.push(`WARNING: the agent ran ${result.sbatchCalls} sbatch for ${result.slurmJobs} distinct Slurm job ids of the step`);
  return result;
}

/**
 * The Cairn phases on one stack (started with the counting shims): an unmeasured warm-up,
 * then (c) once per packing, then (d) the workflow.
 */
async function cairnPhases(bins: Bins, workDir: string, slots: number, cleanups: (() => Promise<void>)[]): Promise<PhaseResult[]> {
  const agentEnv: Record<string, string> = {
    ...(AGENT_MAX_POLL_MS === undefined ? {} : { CAIRN_POLL_MAX_INTERVAL_MS: String(AGENT_MAX_POLL_MS) }),
    ...(AGENT_GLANCE_MS === undefined ? {} : { CAIRN_POLL_GLANCE_MS: String(AGENT_GLANCE_MS) }),
  };
  const counted = await startCountedStack(workDir, bins, Boolean(opts.keep), log, agentEnv);
  const { stack, startS: stackStartS, stop } = counted;
  cleanups.push(stop);
  const workflows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions());
  const results: PhaseResult[] = [];
  try {
    // Warm-up, outside the measurement: the agent's first job pulls the image and converts
    // it to SquashFS. It runs the same `sleep` in the container: a check that busybox's
    // sleep takes the fraction (it exits 1 on "invalid number").
    const warmT = now();
    const { job: warm } = await stack.client.submitJob({ spec: jobSpec(`sweep-${RUN_ID}-warmup`, undefined, 120), requestId: '' });
    if (!warm) throw new Error('no job in SubmitJobResponse');
    let warmState = S.JOB_STATE_ACCEPTED;
    for await (const event of stack.client.watchJob(warm.jobId)) warmState = event.state;
    if (warmState !== S.JOB_STATE_COMPLETED) throw new Error(`warm-up job (/bin/sleep ${TASK_ARG} in ${IMAGE}) ended ${stateName(warmState)}; see ${stack.dir}/*.log`);
    const warmS = (now() - warmT) / 1000;
    // The workflow path too: one run of one item (the engine's first run, its site description).
    const warmWorkflowS = PHASES.includes('workflow') ? await warmUpWorkflow(workflows, slots, stack.dir) : undefined;
    await sleep(1500); // let the agent's poller see nothing open and go quiet

    if (PHASES.includes('cairn')) {
      for (const packing of packings(slots)) {
        results.push(await jobPhase(bins, counted, packing, slots));
        await sleep(1500); // the agent goes quiet before the next phase's snapshot
      }
    }
    if (PHASES.includes('workflow')) results.push(await workflowPhase(bins, counted, workflows, slots));
    const warmUps = `warm-up job ${warmS.toFixed(1)} s${warmWorkflowS !== undefined ? ` and one-item warm-up workflow ${warmWorkflowS.toFixed(1)} s` : ''}`;
    for (const r of results) r.notes.push(`stack start ${stackStartS.toFixed(1)} s and ${warmUps} (the agent's first job prepares the image; also checks that busybox sleep takes ${TASK_ARG}), in no number above`);
    return results;
  } catch (error) {
    log(`cairn: failed; service logs are in ${stack.dir} (kept)`);
    opts.keep = true;
    throw error;
  } finally {
    workflows.close();
    await stop();
  }
}

// ---------------------------------------------------------------------------------------
// Report


/**
 * A Slurm time minus a client time: Slurm keeps whole seconds (truncated), so the true
 * difference lies in [x, x + 1).
 */
function seconds(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return x < 0 ? 'under 1 s (Slurm keeps whole seconds)' : `${x.toFixed(0)}–${(x + 1).toFixed(0)} s (Slurm keeps whole seconds)`;
}

const plural = (n: number, word: string) => `${fmt(n)} ${word}${n === 1 ? '' : 's'}`;

function report(facts: Record<string, string>, idealS: number, results: PhaseResult[]): string {
  const lines: string[] = [];
  lines.push(`## sweep: ${fmt(N)} items of \`sleep ${TASK_ARG}\``, '');
  for (const [k, v] of Object.entries(facts)) lines.push(`- ${k}: ${v}`);
  lines.push('');
  lines.push(`| metric | ${results.map((r) => r.label).join(' | ')} |`, `| --- |${results.map(() => ' ---: |').join('')}`);
  const row = (label: string, get: (r: PhaseResult) => string) => lines.push(`| ${label} | ${results.map(get).join(' | ')} |`);
  const ratio = (s: number) => (Number.isFinite(s) ? `${(s / idealS).toFixed(2)}×` : '—');
  row('how the task runs', (r) => r.runs);
  row('makespan: first submission → client sees all ended (s)', (r) => fmt(r.makespanS, 1) + (r.timedOut ? ' (timed out)' : ''));
  row(`&nbsp;&nbsp;ratio to ideal (${fmt(idealS, 2)} s)`, (r) => ratio(r.makespanS));
  row('makespan in Slurm: first SubmitTime → last EndTime (s, 1 s resolution)', (r) => fmt(r.slurm.makespanS, 0));
  row('&nbsp;&nbsp;ratio to ideal', (r) => ratio(r.slurm.makespanS));
  row('items that ended COMPLETED / exit 0', (r) => `${fmt(r.completedItems)} of ${fmt(N)}${r.finalState ? ` (${r.finalState})` : ''}`);
  row('Cairn jobs: array elements × items per element', (r) => (r.packing ? `${fmt(r.packing.cairnJobs)}: ${fmt(r.packing.elements)} × ${fmt(r.packing.itemsPerElement)}` : '—'));
  row('Slurm jobs: sbatch calls', (r) => fmt(r.sbatchCalls));
  row('Slurm job records incl. array tasks', (r) => fmt(r.slurm.records) + (r.slurm.records === r.expectedRecords ? '' : ` (expected ${fmt(r.expectedRecords)})`));
  row('controller RPCs: submissions (REQUEST_SUBMIT_BATCH_JOB*)', (r) => fmt(r.sdiag.submissions));
  row('controller RPCs: queries (REQUEST_JOB_INFO*)', (r) => fmt(r.sdiag.queries));
  row('controller RPCs: submissions + queries', (r) => fmt(r.sdiag.submissions + r.sdiag.queries));
  row('controller RPCs: all types (sdiag)', (r) => fmt(r.sdiag.total));
  row('controller time in RPCs, all types (ms, sdiag total_time)', (r) => fmt(r.sdiag.totalMs, 0));
  row('squeue processes (baselines: the client; Cairn: the agent)', (r) => fmt(r.squeueCalls));
  row('sbatch processes (baselines: the client; Cairn: the agent)', (r) => fmt(r.sbatchCalls));
  lines.push('');
  const types = new Set<string>();
  for (const r of results) for (const t of Object.keys(r.sdiag.rpcs)) types.add(t);
  const total = (t: string) => sum(results.map((r) => r.sdiag.rpcs[t]?.count ?? 0));
  lines.push('Controller RPCs by type (sdiag deltas; REQUEST_STATS_INFO of the snapshots left out):', '');
  lines.push(`| RPC | ${results.map((r) => r.label).join(' | ')} |`, `| --- |${results.map(() => ' ---: |').join('')}`);
  for (const t of [...types].sort((x, y) => total(y) - total(x))) row(t, (r) => fmt(r.sdiag.rpcs[t]?.count ?? 0));
  lines.push('');
  for (const r of results) {
    lines.push(`**${r.label}**`, '');
    for (const w of r.warnings) lines.push(`- ${w}`);
    lines.push(`- controller remembered ${fmt(r.controllerAtStart.remembered)} job records at the start of the phase (every squeue lists them all)`);
    lines.push(`- sdiag "Jobs submitted": ${fmt(r.sdiag.jobsSubmitted)}`);
    lines.push(`- client's first submission → Slurm's first SubmitTime: ${seconds(r.toFirstSlurmSubmitS)}; Slurm first StartTime → last EndTime: ${fmt(r.slurm.runSpanS, 0)} s`);
    lines.push(`- Slurm states: ${Object.entries(r.slurm.states).map(([k, v]) => `${v} ${k}`).join(', ') || 'none'}`);
    lines.push(`- load average (1, 5, 15 min) at start ${r.loadavgStart.map((x) => x.toFixed(2)).join(' ')}, at end ${r.loadavgEnd.map((x) => x.toFixed(2)).join(' ')}`);
    for (const note of r.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const bins = await findBins();
  await sdiag(bins.sdiag).catch((e: unknown) => {
    throw new Error(`sdiag failed (is the dev cluster up, and are you root?): ${(e as Error).message}`);
  });
  const partition = await readPartition(bins);
  const maxArray = await maxArraySize(bins);
  SLURM_LOGS = slurmLogPaths(await run(bins.scontrol, ['show', 'config']));
  const idealS = (N * TASK_S) / partition.slots;
  const config = await run(bins.scontrol, ['show', 'config']);
  const commit = await treeCommit();
  const facts: Record<string, string> = {
    date: new Date().toISOString(),
    command: `node -r ./tools/register.js tools/benchmarks/sweep.ts ${process.argv.slice(2).join(' ')}`.trim(),
    commit: commit.trim(),
    'CPUs (nproc)': String(availableParallelism()),
    Slurm: (await run(bins.sinfo, ['--version']).catch(() => '?')).trim(),
    [`partition ${PARTITION}`]: `TotalCPUs=${partition.totalCpus}, OverSubscribe=${partition.overSubscribe} → ${partition.slots} job slots`,
    'MaxArraySize, SchedulerParameters': `${maxArray}; ${/SchedulerParameters\s*=\s*(.*)/.exec(config)?.[1]?.trim() ?? '?'}`,
    'Node.js': process.version,
    sweep: `${N} items × sleep ${TASK_ARG} s = ${fmt(N * TASK_S, 1)} s of task time`,
    'ideal makespan': `${fmt(N * TASK_S, 1)} s ÷ ${partition.slots} slots = ${fmt(idealS, 2)} s`,
    settings:
      `baselines wait with one squeue --name every ${POLL_INTERVAL_MS} ms; Cairn target ${TARGET_S} s per element, agent polls every ${AGENT_POLL_MS} ms (back-off ceiling ${AGENT_MAX_POLL_MS ?? 1000} ms, glances at the wrappers' files every ${AGENT_GLANCE_MS ?? 100} ms); ` +
      `workflow engine passes every ${ENGINE_PASS_MS} ms, the benchmark reads the run every ${WORKFLOW_POLL_MS} ms`,
    phases: PHASES.join(', ') + (cairnLeftOut ? ` (${cairnLeftOut})` : ''),
  };
  const workDir = mkdtempSync(join(tmpdir(), `cairn-sweep-${RUN_ID}-`));
  log(`run ${RUN_ID}: ${N} items of sleep ${TASK_ARG}; ${partition.slots} slots; ideal ${idealS.toFixed(2)} s; work dir ${workDir}`);
  const cleanups: (() => Promise<void>)[] = [];
  process.once('SIGINT', () => {
    log("interrupted: cancelling this run's baseline jobs and stopping the stack");
    void (async () => {
      for (const kind of ['per-item', 'array']) await processes.run(bins.scancel, [`--name=sweep-${RUN_ID}-${kind}`]).catch(() => undefined);
      for (const c of cleanups) await c().catch(() => undefined);
      process.exit(130);
    })();
  });

  const results: PhaseResult[] = [];
  try {
    if (PHASES.includes('per-item')) results.push(await baselinePhase(bins, workDir, 'per-item', maxArray));
    if (PHASES.includes('array')) results.push(await baselinePhase(bins, workDir, 'array', maxArray));
    if (PHASES.includes('cairn') || PHASES.includes('workflow')) results.push(...(await cairnPhases(bins, workDir, partition.slots, cleanups)));
  } finally {
    for (const c of cleanups) await c().catch((e: unknown) => log(`cleanup: ${(e as Error).message}`));
  }
  process.stdout.write(`${report(facts, idealS, results)}\n`);
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify({ facts, idealS, slots: partition.slots, results }, null, 2)}\n`);
    log(`raw measurements: ${opts.json}`);
  }
  if (opts.keep) log(`kept ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
