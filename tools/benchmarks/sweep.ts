/**
 * Sweeps: N short tasks (`sleep <task-seconds>`, one per item) three ways on the same Slurm
 * partition in one run, each compared with the ideal makespan (N × task ÷ the partition's
 * job slots):
 *
 *   (a) one `sbatch --wrap` per item, then one `squeue --name` per second until all ended;
 *   (b) one plain `sbatch --array` with one item per element (split at MaxArraySize),
 *       waited the same way;
 *   (c) Cairn: ONE `SubmitJob` whose `array` packs the items into the elements of one Slurm
 *       array job (items per element chosen so an element runs about --target-seconds),
 *       throttled to the slots, followed with WatchJob until final.
 *
 *   node -r ./tools/register.js tools/benchmarks/sweep.ts --items 1000 --task-seconds 0.2
 *
 * The baselines run `sleep` directly (`--wrap`, no container); Cairn runs it inside the
 * container (`/bin/sleep` in lab/busybox:1.36, through ch-run, once per item). Prints a
 * markdown report to stdout (progress to stderr): makespan (client and Slurm clocks), its
 * ratio to the ideal, Slurm jobs (sbatch calls, job records incl. array tasks), controller
 * RPCs from sdiag deltas (submissions, queries, all), and the agent's Slurm processes,
 * counted by shims first on the PATH of the services. Method and recorded results:
 * docs/benchmarks.md. Needs the dev cluster and root (sdiag, the agent's job wrapper).
 * It reports numbers; it asserts none. Nothing in Cairn is changed to measure it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pb } from '@cairn/contracts';
import { testEnv } from '@cairn/testing';
import {
  type Bins,
  FINAL_SLURM,
  findBins,
  fmt,
  mean,
  median,
  now,
  processes,
  progressLog,
  quantile,
  run,
  type Sdiag,
  type SdiagDelta,
  sdiag,
  sdiagDelta,
  sleep,
  startCountedStack,
  stateName,
  sum,
} from './bench-kit';

// ---------------------------------------------------------------------------------------
// Options

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/sweep.ts [options]
  --items N               items in the sweep (default 1000; Cairn accepts at most 10000)
  --task-seconds T        each item runs \`sleep T\` (default 0.2)
  --target-seconds S      Cairn: items per element = floor(S / T), so an element runs about
                          S seconds (default 10)
  --packing LIST          Cairn runs, comma-separated (default target,balanced):
                            target    elements = ceil(N / floor(S / T))
                            balanced  that many elements rounded up to a multiple of the
                                      slots (no idle slot in the last wave; small sweeps
                                      still use every slot); skipped when it equals target
  --per-element K         Cairn: exactly K items per element (replaces --packing)
  --only LIST             phases to run, comma-separated: per-item,array,cairn (default all)
  --poll-interval-ms P    baselines: one squeue --name every P ms while waiting (default 1000)
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
    only: { type: 'string', default: 'per-item,array,cairn' },
    'poll-interval-ms': { type: 'string', default: '1000' },
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
const PHASES = list('only', opts.only, ['per-item', 'array', 'cairn'] as const);
const POLL_INTERVAL_MS = positiveInt('poll-interval-ms', opts['poll-interval-ms']);
const TIMEOUT_MS = positiveInt('timeout-s', opts['timeout-s'] ?? String(600 + N)) * 1000;
const RUN_ID = randomBytes(4).toString('hex');
const PARTITION = testEnv().partition;
const IMAGE = 'lab/busybox:1.36';
/** The limits of JobSpec.array (libs/contracts/src/job-spec.ts). */
const CAIRN_MAX_ITEMS = 10_000;
const CAIRN_MAX_ELEMENTS = 1000;
/** CAIRN_POLL_INTERVAL_MS that startCairnStack() gives the agent (libs/testing/src/cairn-stack.ts). */
const AGENT_POLL_MS = 500;
/** The request every baseline job makes: the same as the one Cairn's agent sends. */
const BASELINE_RESOURCES = [`--partition=${PARTITION}`, '--ntasks=1', '--cpus-per-task=1', '--mem=64M', '--time=0-00:02:00'];

if (PHASES.includes('cairn') && N > CAIRN_MAX_ITEMS) usageError(`--items: Cairn accepts at most ${CAIRN_MAX_ITEMS} items in one job`);

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

type PhaseKey = 'per-item' | 'array' | `cairn-${'target' | 'balanced' | 'custom'}`;

interface PhaseResult {
  key: PhaseKey;
  label: string;
  /** How the task ran, for the table: no container, or Cairn's container. */
  runs: string;
  sbatchCalls: number;
  squeueCalls: number;
  /** Cairn: the agent's other Slurm processes (scancel, scontrol, sinfo). */
  otherSlurmCalls: Record<string, number>;
  /** Slurm job records the approach creates, array tasks counted one by one. */
  expectedRecords: number;
  /** Cairn: elements, items per element, throttle (%k). */
  packing?: { elements: number; itemsPerElement: number; throttle: number; boundS: number; boundMeasuredS?: number };
  /** First submission to the last submission returned (baseline) or SubmitJob returned (Cairn). */
  submitS: number;
  /** First submission to the moment the client saw every item end. */
  makespanS: number;
  timedOut: boolean;
  /** Items (baseline: job records) that ended COMPLETED / exit 0. */
  completedItems: number;
  /** Cairn: the job's final state and reason. */
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
  const ownQueries = r.squeueCalls + (r.otherSlurmCalls['sinfo'] ?? 0);
  // Every squeue (and sinfo) makes exactly one REQUEST_PARTITION_INFO.
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
    squeueCalls: waited.polls,
    otherSlurmCalls: {},
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

interface Packing {
  key: 'target' | 'balanced' | 'custom';
  itemsPerElement: number;
  elements: number;
  how: string;
}

/** The Cairn runs: items per element for each packing asked for (duplicates dropped). */
function packings(slots: number): Packing[] {
  const elementsOf = (k: number) => Math.ceil(N / k);
  if (PER_ELEMENT !== undefined) {
    const k = Math.min(PER_ELEMENT, N);
    return [{ key: 'custom', itemsPerElement: k, elements: elementsOf(k), how: `--per-element ${PER_ELEMENT}` }];
  }
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
  const out: Packing[] = [];
  if (PACKINGS.includes('target')) out.push(target);
  if (PACKINGS.includes('balanced') && !(PACKINGS.includes('target') && balanced.itemsPerElement === target.itemsPerElement)) out.push(balanced);
  return out;
}

/**
 * The makespan if every item took `itemS` and every element started the moment a slot
 * was free: elements start in index order, at most `slots` at once (Slurm's %k).
 */
function packingBound(itemsPerElement: number, slots: number, itemS: number): number {
  const free = new Array<number>(slots).fill(0);
  for (let first = 0; first < N; first += itemsPerElement) {
    const i = free.indexOf(Math.min(...free));
    free[i] = (free[i] as number) + Math.min(itemsPerElement, N - first) * itemS;
  }
  return Math.max(...free);
}

interface ItemRecord {
  item: number;
  exitCode: number;
  startedAt: string;
  endedAt: string;
}

function readItemRecords(attemptDir: string, elements: number): { records: ItemRecord[]; perElement: { element: number; firstStart: number; lastEnd: number }[] } {
  const records: ItemRecord[] = [];
  const perElement: { element: number; firstStart: number; lastEnd: number }[] = [];
  for (let k = 0; k < elements; k++) {
    let text = '';
    try {
      text = readFileSync(join(attemptDir, `items-${k}.jsonl`), 'utf8');
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

async function cairnPhases(bins: Bins, workDir: string, slots: number, cleanups: (() => Promise<void>)[]): Promise<PhaseResult[]> {
  const { stack, shims, startS: stackStartS, stop } = await startCountedStack(workDir, bins, Boolean(opts.keep), log);
  cleanups.push(stop);
  const { client } = stack;
  const results: PhaseResult[] = [];
  const spec = (name: string, array: pb.ItemArray | undefined, timeLimitSeconds: number): pb.JobSpec => ({
    name,
    image: IMAGE,
    command: ['/bin/sleep', TASK_ARG],
    env: {},
    array,
    site: '',
    resources: { cpus: 1, memoryMb: 64, timeLimitSeconds, partition: '' },
  });

  try {
    // Warm-up, outside the measurement: the agent's first job pulls the image and converts
    // it to SquashFS. It runs the same `sleep` in the container: a check that busybox's
    // sleep takes the fraction (it exits 1 on "invalid number").
    const warmT = now();
    const { job: warm } = await client.submitJob({ spec: spec(`sweep-${RUN_ID}-warmup`, undefined, 120), requestId: '' });
    if (!warm) throw new Error('no job in SubmitJobResponse');
    let warmState = S.JOB_STATE_ACCEPTED;
    for await (const event of client.watchJob(warm.jobId)) warmState = event.state;
    if (warmState !== S.JOB_STATE_COMPLETED) throw new Error(`warm-up job (/bin/sleep ${TASK_ARG} in ${IMAGE}) ended ${stateName(warmState)}; see ${stack.dir}/*.log`);
    const warmS = (now() - warmT) / 1000;
    await sleep(1500); // let the agent's poller see nothing open and go quiet

    for (const packing of packings(slots)) {
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
      const { job } = await client.submitJob({ spec: spec(name, array, timeLimitSeconds), requestId: name });
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
      const counts: Record<string, number> = {};
      for (const c of calls) counts[c.name] = (counts[c.name] ?? 0) + 1;
      const notes: string[] = [];
      if (timedOut) {
        notes.push(`TIMED OUT after ${TIMEOUT_MS / 1000} s; job cancelled`);
        await client.cancelJob(job.jobId).catch(() => undefined);
      }
      const done = await client.getJob(job.jobId);
      const slurm = done.slurmJobId ? await slurmTimes(bins, ['-j', done.slurmJobId]) : await slurmTimes(bins, [`--name=cairn-${done.attemptId}`]);
      const attemptDir = join(stack.dir, 'agent', 'attempts', done.attemptId);
      const { records, perElement } = readItemRecords(attemptDir, packing.elements);
      const walls = records.map((r) => (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000);
      const okItems = records.filter((r) => r.exitCode === 0).length;
      const itemMeanS = mean(walls);
      const boundS = packingBound(packing.itemsPerElement, slots, TASK_S);
      const boundMeasuredS = Number.isFinite(itemMeanS) ? packingBound(packing.itemsPerElement, slots, itemMeanS) : undefined;
      const elementSpans = perElement.map((e) => (e.lastEnd - e.firstStart) / 1000);
      const sbatchAt = calls.find((c) => c.name === 'sbatch')?.at;
      notes.push(`final state ${finalState === undefined ? 'none (timed out)' : stateName(finalState)}${done.reason ? `: "${done.reason}"` : ''}; Slurm array job ${done.slurmJobId || '?'}`);
      notes.push(
        `packing: ${packing.itemsPerElement} items per element (${packing.how}), ${plural(packing.elements, 'element')}, throttle %${slots}, time limit ${timeLimitSeconds} s per element`,
      );
      notes.push(
        `bound from packing alone (each item exactly ${TASK_ARG} s, elements start at once): ${boundS.toFixed(1)} s = ${(boundS / (N * TASK_S / slots)).toFixed(2)}× ideal; ` +
          `with the measured mean item time (${itemMeanS.toFixed(3)} s): ${boundMeasuredS?.toFixed(1) ?? '—'} s`,
      );
      notes.push(
        `items, as the array wrapper recorded them (${records.length} records, ${okItems} exit 0): wall time per item (ch-run start + sleep) median ${median(walls).toFixed(3)} s, ` +
          `mean ${itemMeanS.toFixed(3)} s, p99 ${quantile(walls, 0.99).toFixed(3)} s, so ${(itemMeanS - TASK_S).toFixed(3)} s per item beyond the sleep`,
      );
      if (elementSpans.length) {
        notes.push(
          `elements: first item start → last item end median ${median(elementSpans).toFixed(1)} s; Slurm run time per element mean ${slurm.meanRunS.toFixed(1)} s (1 s resolution)`,
        );
      }
      notes.push(
        `timeline (client clock, from SubmitJob): SubmitJob returned ${submitS.toFixed(2)} s; ` +
          events.map((e) => `${e.state} ${e.atS.toFixed(1)} s`).join(', ') +
          (sbatchAt !== undefined ? `; the agent's sbatch ${(sbatchAt - uptime0).toFixed(2)} s` : '') +
          `; Slurm SubmitTime ${seconds((slurm.firstSubmitMs - t0Wall) / 1000)}`,
      );
      notes.push(
        `the agent ran ${counts['sbatch'] ?? 0} sbatch, ${counts['squeue'] ?? 0} squeue (poll interval ${AGENT_POLL_MS} ms in the harness)` +
          (counts['scancel'] ? `, ${counts['scancel']} scancel` : '') +
          (counts['scontrol'] ? `, ${counts['scontrol']} scontrol` : '') +
          (counts['sinfo'] ? `, ${counts['sinfo']} sinfo` : ''),
      );
      if (!timedOut && makespanS > slurm.makespanS + (slurm.firstSubmitMs - t0Wall) / 1000 + 15) {
        opts.keep = true;
        notes.push(`STALL: Cairn reported the end more than 15 s after Slurm's last EndTime; service logs kept in ${stack.dir}`);
      }
      const result: PhaseResult = {
        key: `cairn-${packing.key}`,
        label: `(c) Cairn, ${packing.key} packing: ${packing.elements} × ${packing.itemsPerElement}`,
        runs: `/bin/sleep ${TASK_ARG} in ${IMAGE} via ch-run, one ch-run per item`,
        sbatchCalls: counts['sbatch'] ?? 0,
        squeueCalls: counts['squeue'] ?? 0,
        otherSlurmCalls: Object.fromEntries(Object.entries(counts).filter(([k]) => k !== 'sbatch' && k !== 'squeue')),
        expectedRecords: packing.elements,
        packing: { elements: packing.elements, itemsPerElement: packing.itemsPerElement, throttle: slots, boundS, ...(boundMeasuredS !== undefined ? { boundMeasuredS } : {}) },
        submitS,
        makespanS,
        timedOut,
        completedItems: okItems,
        finalState: finalState === undefined ? 'not final' : stateName(finalState),
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
          agentSlurmCalls: calls,
          records: slurm.jobs,
          items: records,
        },
      };
      result.warnings = foreignActivity(result);
      if (finalState !== S.JOB_STATE_COMPLETED) result.warnings.push(`WARNING: the Cairn job did not end COMPLETED (${result.finalState}); service logs kept in ${stack.dir}`);
      if (finalState !== S.JOB_STATE_COMPLETED) opts.keep = true;
      results.push(result);
      await sleep(1500); // the agent goes quiet before the next phase's snapshot
    }
    for (const r of results) r.notes.push(`stack start ${stackStartS.toFixed(1)} s and warm-up job ${warmS.toFixed(1)} s (the agent's first job prepares the image; also checks that busybox sleep takes ${TASK_ARG}), in no number above`);
    return results;
  } catch (error) {
    log(`cairn: failed; service logs are in ${stack.dir} (kept)`);
    opts.keep = true;
    throw error;
  } finally {
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
  row('items that ended COMPLETED / exit 0', (r) => `${fmt(r.completedItems)} of ${fmt(N)}${r.finalState ? ` (job ${r.finalState})` : ''}`);
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
  const idealS = (N * TASK_S) / partition.slots;
  const config = await run(bins.scontrol, ['show', 'config']);
  const commit = await run('git', ['rev-parse', '--short', 'HEAD']).catch(() => '?');
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
    settings: `baselines wait with one squeue --name every ${POLL_INTERVAL_MS} ms; Cairn target ${TARGET_S} s per element, agent polls every ${AGENT_POLL_MS} ms`,
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
    if (PHASES.includes('cairn')) results.push(...(await cairnPhases(bins, workDir, partition.slots, cleanups)));
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
