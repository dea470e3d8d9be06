/**
 * Jobs throughput: N one-second jobs through Cairn's gateway, and the same N with plain
 * `sbatch` and a naive per-job `squeue` poller, on the same Slurm controller in one run.
 *
 *   node -r ./tools/register.js tools/benchmarks/jobs-throughput.ts --jobs 100
 *
 * Prints a markdown report to stdout (progress goes to stderr): submit latency (median,
 * p99), makespan to all COMPLETED, squeue/sbatch processes each approach ran, and the
 * controller's own RPC counts (sdiag before/after each phase), with Cairn/baseline ratios.
 * Methodology and recorded results: docs/benchmarks.md. Needs the dev cluster
 * (`bash tools/dev-cluster/dev-cluster.sh up`) and root (sdiag, the agent's job wrapper).
 *
 * It reports numbers; it asserts none. Nothing in Cairn is changed to measure it: the
 * agent's squeue/sbatch calls are counted by a counting shim placed first on the PATH the
 * harness gives the service processes, and the controller's view comes from sdiag.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JobsClient } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { testEnv } from '@cairn/testing';
import {
  type Bins,
  FINAL_SLURM,
  findBins,
  fmt,
  machineCpu,
  mean,
  median,
  now,
  processCpuS,
  processes,
  progressLog,
  quantile,
  run,
  type SdiagDelta,
  sdiag,
  sdiagDelta,
  sleep,
  startCountedStack,
  stateName,
  treeCommit,
} from './bench-kit';
import { type LaunchTimes, launchTimesFromLogs } from './job-launch-times';

// ---------------------------------------------------------------------------------------
// Options

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/jobs-throughput.ts [options]
  --jobs N               jobs per approach (default 100)
  --concurrency C        Cairn: SubmitJob calls in flight (default 16)
  --poll-interval-ms T   baseline: each job's squeue period (default 1000)
  --poll-parallel K      baseline: most squeue processes at once (default 4)
  --watch-interval-ms T  Cairn: ListJobs period while waiting (default 1000)
  --only baseline|cairn  run one phase
  --timeout-s S          per phase, submit to all final (default 300 + 2*N)
  --json FILE            also write the raw measurements as JSON
  --pairs K              run K pairs of phases, alternating which goes first (default 1), and
                         report each pair's makespan ratio and their median before the pairs'
                         reports (an odd K: the median is then one pair's, bench-kit's nearest rank)
  --services-nice N      Cairn: run its service processes at this nice value (0-19; default 0),
                         as a site would where they share a node's CPUs with the jobs
  --keep                 keep the temporary directories (job output, stack logs)`;

const { values: opts } = parseArgs({
  options: {
    jobs: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '16' },
    'poll-interval-ms': { type: 'string', default: '1000' },
    'poll-parallel': { type: 'string', default: '4' },
    'watch-interval-ms': { type: 'string', default: '1000' },
    only: { type: 'string' },
    'timeout-s': { type: 'string' },
    json: { type: 'string' },
    'services-nice': { type: 'string', default: '0' },
    pairs: { type: 'string', default: '1' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, not ${JSON.stringify(value)}\n${USAGE}`);
    process.exit(2);
  }
  return n;
}

if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}
if (opts.only !== undefined && opts.only !== 'baseline' && opts.only !== 'cairn') {
  console.error(`--only must be baseline or cairn\n${USAGE}`);
  process.exit(2);
}
const N = positiveInt('jobs', opts.jobs);
const CONCURRENCY = positiveInt('concurrency', opts.concurrency);
const POLL_INTERVAL_MS = positiveInt('poll-interval-ms', opts['poll-interval-ms']);
const POLL_PARALLEL = positiveInt('poll-parallel', opts['poll-parallel']);
const PAIRS = positiveInt('pairs', opts.pairs);
const WATCH_INTERVAL_MS = positiveInt('watch-interval-ms', opts['watch-interval-ms']);
const TIMEOUT_MS = positiveInt('timeout-s', opts['timeout-s'] ?? String(300 + 2 * N)) * 1000;
const SERVICES_NICE = Number(opts['services-nice']);
if (!Number.isInteger(SERVICES_NICE) || SERVICES_NICE < 0 || SERVICES_NICE > 19) {
  console.error(`--services-nice must be an integer 0-19\n${USAGE}`);
  process.exit(2);
}
const RUN_ID = randomBytes(4).toString('hex');
const BENCH_NAME = `bench-${RUN_ID}`;
const PARTITION = testEnv().partition;
/** CAIRN_POLL_INTERVAL_MS that startCairnStack() gives the agent (libs/testing/src/cairn-stack.ts). */
const AGENT_POLL_MS = 500;

// ---------------------------------------------------------------------------------------
// Small helpers

const log = progressLog('bench');




/** Runs fn(0..count-1) with at most `limit` in flight. */
async function pool(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

// ---------------------------------------------------------------------------------------
// The controller's view: sdiag RPC counts and what squeue says about a set of jobs





interface SlurmTimes {
  /** First SubmitTime to last EndTime, as Slurm recorded them (1 s resolution). */
  makespanS: number;
  meanRunS: number;
  meanWaitS: number;
  states: Record<string, number>;
  /** Per job, for the JSON file: Slurm id, name, state and times as squeue printed them. */
  jobs: string[];
  /** The same jobs in ms from slurmctld's and slurmd's logs (undefined when they cannot be read). */
  launch?: LaunchTimes;
}

/** Reads Slurm's submit/start/end times of the given jobs (taken after the phase's sdiag). */
async function slurmTimes(squeueBin: string, ids: string[]): Promise<SlurmTimes> {
  const rows: { state: string; submit: number; start: number; end: number }[] = [];
  const jobs: string[] = [];
  for (let i = 0; i < ids.length; i += 200) {
    const out = await run(squeueBin, ['-h', '-t', 'all', '-j', ids.slice(i, i + 200).join(','), '-o', '%i|%T|%V|%S|%e|%j']);
    for (const line of out.split('\n')) {
      if (line.trim()) jobs.push(line.trim());
      const [, state, submit, start, end] = line.trim().split('|');
      if (!state || !submit || !start || !end) continue;
      rows.push({ state, submit: Date.parse(submit), start: Date.parse(start), end: Date.parse(end) });
    }
  }
  const states: Record<string, number> = {};
  for (const r of rows) states[r.state] = (states[r.state] ?? 0) + 1;
  const done = rows.filter((r) => Number.isFinite(r.end) && Number.isFinite(r.start));
  const config = await run('scontrol', ['show', 'config']).catch(() => '');
  const logFile = (key: string) => new RegExp(`^${key}\\s*=\\s*(\\S+)`, 'm').exec(config)?.[1];
  const launch = launchTimesFromLogs(logFile('SlurmctldLogFile'), logFile('SlurmdLogFile'), ids);
  return {
    makespanS: done.length ? (Math.max(...done.map((r) => r.end)) - Math.min(...rows.map((r) => r.submit))) / 1000 : NaN,
    meanRunS: mean(done.map((r) => (r.end - r.start) / 1000)),
    meanWaitS: mean(done.map((r) => (r.start - r.submit) / 1000)),
    states,
    jobs,
    ...(launch ? { launch } : {}),
  };
}

/** How many jobs the controller remembers (finished ones too), and how many are not final. */
async function controllerJobs(squeueBin: string): Promise<{ remembered: number; open: number }> {
  const states = (await run(squeueBin, ['-h', '-t', 'all', '-o', '%T'])).split('\n').filter((l) => l.trim());
  return { remembered: states.length, open: states.filter((s) => !FINAL_SLURM.test(s)).length };
}

// ---------------------------------------------------------------------------------------
// Phases

interface PhaseResult {
  name: 'baseline' | 'cairn';
  submitLatencyMs: number[];
  submitPhaseS: number;
  /** First submit to the moment the client saw the last job COMPLETED. */
  makespanS: number;
  /** Cairn only: first submit to the last COMPLETED job's update_time as the scheduler recorded it. */
  recordedMakespanS?: number;
  timedOut: boolean;
  completed: number;
  notCompleted: Record<string, number>;
  squeueCalls: number;
  sbatchCalls: number;
  /** Per job, for the JSON file. */
  jobs: unknown[];
  /** Calls the benchmark itself made while waiting that are not Slurm calls (Cairn: ListJobs). */
  otherCalls: Record<string, number>;
  notes: string[];
  sdiag: SdiagDelta;
  slurm: SlurmTimes;
  /** Jobs the controller remembered, and those not final (all someone else's), at the start. */
  controllerAtStart: { remembered: number; open: number };
  loadavgStart: number[];
  loadavgEnd: number[];
  /** The machine's CPU over the phase (both CPUs), and (Cairn) what its service processes used of it. */
  cpu: { busyS: number; stealS: number; services?: Record<string, number> };
}

/** CPU used between two readings of machineCpu(). */
function cpuDelta(before: { busyS: number; stealS: number }): { busyS: number; stealS: number } {
  const after = machineCpu();
  return { busyS: after.busyS - before.busyS, stealS: after.stealS - before.stealS };
}



async function baselinePhase(bins: Bins, workDir: string): Promise<PhaseResult> {
  const dir = join(workDir, 'baseline');
  mkdirSync(dir, { recursive: true });
  const notes: string[] = [];
  const controllerAtStart = await controllerJobs(bins.squeue);
  const loadStart = loadavg();
  const cpuStart = machineCpu();
  const before = await sdiag(bins.sdiag);

  // 1. N sbatch processes, one after the other, each timed.
  log(`baseline: submitting ${N} jobs with sbatch, one at a time`);
  const args = [
    '--parsable',
    '--wrap',
    'sleep 1',
    `--chdir=${dir}`,
    '-o',
    `${dir}/%j.out`,
    `--job-name=${BENCH_NAME}`,
    // The same request as Cairn's jobs (see docs/benchmarks.md):
    `--partition=${PARTITION}`,
    '--ntasks=1',
    '--cpus-per-task=1',
    '--mem=64M',
    '--time=0-00:02:00',
  ];
  const latencies: number[] = [];
  const ids: string[] = [];
  const t0 = now();
  for (let i = 0; i < N; i++) {
    const start = now();
    const out = await run(bins.sbatch, args);
    latencies.push(now() - start);
    const id = out.trim().split(';')[0] ?? '';
    if (!/^\d+$/.test(id)) throw new Error(`unexpected sbatch output ${JSON.stringify(out)}`);
    ids.push(id);
  }
  const submitPhaseS = (now() - t0) / 1000;
  log(`baseline: submitted in ${submitPhaseS.toFixed(1)} s; polling each job with its own squeue every ${POLL_INTERVAL_MS} ms (${POLL_PARALLEL} at a time)`);

  // 2. A naive client: each job polled with its own squeue, once per period, until final.
  interface Polled {
    id: string;
    nextDue: number;
    busy: boolean;
    final?: string;
    polls: number[];
  }
  const jobs: Polled[] = ids.map((id) => ({ id, nextDue: now(), busy: false, polls: [] }));
  let squeueCalls = 0;
  let squeueErrors = 0;
  let lastFinalAt = t0;
  const deadline = t0 + TIMEOUT_MS;
  let timedOut = false;
  const worker = async () => {
    for (;;) {
      let pick: Polled | undefined;
      for (const j of jobs) if (!j.final && !j.busy && (!pick || j.nextDue < pick.nextDue)) pick = j;
      if (!pick) return;
      if (now() > deadline) {
        timedOut = true;
        return;
      }
      pick.busy = true;
      await sleep(pick.nextDue - now());
      pick.polls.push(now());
      squeueCalls += 1;
      const result = await processes.run(bins.squeue, ['-h', '-j', pick.id, '-t', 'all', '-o', '%T'], { timeoutMs: 60_000 });
      const state = result.stdout.trim();
      if (result.exitCode !== 0) squeueErrors += 1;
      if (result.exitCode === 0 && FINAL_SLURM.test(state)) {
        pick.final = state.split(/\s/)[0];
        lastFinalAt = now();
      }
      pick.nextDue = now() + POLL_INTERVAL_MS;
      pick.busy = false;
    }
  };
  await Promise.all(Array.from({ length: POLL_PARALLEL }, worker));
  const makespanS = (lastFinalAt - t0) / 1000;
  const cpu = cpuDelta(cpuStart);
  const after = await sdiag(bins.sdiag);
  const loadEnd = loadavg();

  if (timedOut) {
    notes.push(`timed out after ${TIMEOUT_MS / 1000} s; remaining jobs cancelled`);
    await processes.run(bins.scancel, [`--name=${BENCH_NAME}`]);
  }
  if (squeueErrors > 0) notes.push(`${squeueErrors} squeue calls failed (retried at the next period)`);
  const intervals = jobs.flatMap((j) => j.polls.slice(1).map((t, k) => t - (j.polls[k] as number)));
  notes.push(
    `squeue calls per job: median ${median(jobs.map((j) => j.polls.length))}; achieved interval between polls of one job: median ${(median(intervals) / 1000).toFixed(2)} s, p99 ${(quantile(intervals, 0.99) / 1000).toFixed(2)} s (target ${POLL_INTERVAL_MS / 1000} s)`,
  );
  const completed = jobs.filter((j) => j.final === 'COMPLETED').length;
  const notCompleted: Record<string, number> = {};
  for (const j of jobs) if (j.final !== 'COMPLETED') notCompleted[j.final ?? 'not final'] = (notCompleted[j.final ?? 'not final'] ?? 0) + 1;

  return {
    name: 'baseline',
    submitLatencyMs: latencies,
    submitPhaseS,
    makespanS,
    timedOut,
    completed,
    notCompleted,
    squeueCalls,
    sbatchCalls: N,
    jobs: jobs.map((j) => ({ slurmJobId: j.id, final: j.final, polls: j.polls.length })),
    otherCalls: {},
    notes,
    sdiag: sdiagDelta(before, after),
    slurm: await slurmTimes(bins.squeue, ids),
    controllerAtStart,
    loadavgStart: loadStart,
    loadavgEnd: loadEnd,
    cpu,
  };
}


/** What the agent ran during the phase: squeue calls while it was still submitting, and after. */
function agentCalls(calls: { name: string; at: number }[]): { counts: Record<string, number>; note: string } {
  const counts: Record<string, number> = { sbatch: 0, squeue: 0, scancel: 0 };
  for (const c of calls) counts[c.name] = (counts[c.name] ?? 0) + 1;
  const sbatches = calls.filter((c) => c.name === 'sbatch');
  const first = sbatches[0]?.at ?? NaN;
  const last = sbatches[sbatches.length - 1]?.at ?? NaN;
  const during = calls.filter((c) => c.name === 'squeue' && c.at >= first && c.at <= last).length;
  const spanS = last - first;
  return {
    counts,
    note:
      `the agent ran its ${sbatches.length} sbatch in ${spanS.toFixed(1)} s (${fmt(sbatches.length / spanS, 0)}/s) and ${during} squeue meanwhile; ` +
      `${(counts['squeue'] ?? 0) - during} squeue otherwise (poll interval ${AGENT_POLL_MS} ms in the harness)`,
  };
}

const S = pb.JobState;
const OPEN_STATES = [S.JOB_STATE_ACCEPTED, S.JOB_STATE_PENDING, S.JOB_STATE_RUNNING];

function benchSpec(name: string): pb.JobSpec {
  return {
    name,
    image: 'lab/busybox:1.36',
    command: ['/bin/sleep', '1'],
    env: {},
    array: undefined,
    site: '',
    resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 120, partition: '' },
  };
}

/** Every job whose name starts with `prefix` (and, if given, in one of `states`), paging by 500. */
async function listAll(client: JobsClient, prefix: string, states: pb.JobState[], calls: { listJobs: number }): Promise<pb.Job[]> {
  const jobs: pb.Job[] = [];
  let pageToken = '';
  do {
    calls.listJobs += 1;
    const page = await client.listJobs({ namePrefix: prefix, states, pageSize: 500, pageToken });
    jobs.push(...page.jobs);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return jobs;
}

/** Sets the nice value of every thread of the processes (setpriority acts on one thread); their later threads and children inherit it. */
async function reniceServices(pids: readonly (number | undefined)[], nice: number): Promise<number> {
  const tids = pids.flatMap((pid) => (pid === undefined ? [] : readdirSync(`/proc/${pid}/task`)));
  if (tids.length > 0) await run('renice', ['-n', String(nice), '-p', ...tids]);
  return tids.length;
}

async function cairnPhase(bins: Bins, workDir: string, cleanups: (() => Promise<void>)[]): Promise<PhaseResult> {
  const notes: string[] = [];
  const { stack, shims, startS, stop } = await startCountedStack(workDir, bins, Boolean(opts.keep), log);
  cleanups.push(stop);
  notes.push(`stack start: ${startS.toFixed(1)} s (not in any number above)`);
  if (SERVICES_NICE > 0) notes.push(`Cairn's services ran at nice ${SERVICES_NICE} (${await reniceServices(Object.values(stack.services).map((s) => s.pid), SERVICES_NICE)} threads)`);
  const { client } = stack;
  const calls = { listJobs: 0, cancelJob: 0 };

  try {
    // Warm-up, outside the measurement: the first job pulls and converts the image.
    const warmT = now();
    const { job: warm } = await client.submitJob({ spec: benchSpec(`warmup-${RUN_ID}`), requestId: '' });
    if (!warm) throw new Error('no job in SubmitJobResponse');
    let warmState = S.JOB_STATE_ACCEPTED;
    for await (const event of client.watchJob(warm.jobId)) warmState = event.state;
    if (warmState !== S.JOB_STATE_COMPLETED) throw new Error(`warm-up job ended ${stateName(warmState)}; see ${stack.dir}/*.log`);
    notes.push(`warm-up job (image pull and conversion, not measured): ${((now() - warmT) / 1000).toFixed(1)} s to COMPLETED`);
    await sleep(1500); // let the agent's poller see nothing open and go quiet
    const shimBefore = shims.calls().length;

    const controllerAtStart = await controllerJobs(bins.squeue);
    const loadStart = loadavg();
    const cpuStart = machineCpu();
    const servicesStart = Object.fromEntries(Object.entries(stack.services).map(([name, s]) => [name, processCpuS(s.pid)]));
    const before = await sdiag(bins.sdiag);

    // 1. N SubmitJob calls, CONCURRENCY in flight, each timed.
    log(`cairn: submitting ${N} jobs over gRPC, ${CONCURRENCY} in flight`);
    const latencies: number[] = new Array<number>(N);
    const t0 = now();
    const t0Wall = Date.now();
    await pool(N, CONCURRENCY, async (i) => {
      const start = now();
      const { job } = await client.submitJob({ spec: benchSpec(BENCH_NAME), requestId: `${BENCH_NAME}-${i}` });
      latencies[i] = now() - start;
      if (!job) throw new Error('no job in SubmitJobResponse');
    });
    const submitPhaseS = (now() - t0) / 1000;
    log(`cairn: submitted in ${submitPhaseS.toFixed(1)} s; waiting with ListJobs every ${WATCH_INTERVAL_MS} ms`);

    // 2. Wait until none is ACCEPTED, PENDING or RUNNING: one paged ListJobs per period.
    const deadline = t0 + TIMEOUT_MS;
    let timedOut = false;
    let lastReport = 0;
    for (;;) {
      const tick = now();
      const open = await listAll(client, BENCH_NAME, OPEN_STATES, calls);
      if (open.length === 0) break;
      if (tick - lastReport > 10_000) {
        lastReport = tick;
        log(`cairn: ${open.length} open after ${((tick - t0) / 1000).toFixed(0)} s`);
      }
      if (now() > deadline) {
        timedOut = true;
        break;
      }
      await sleep(WATCH_INTERVAL_MS - (now() - tick));
    }
    const makespanS = (now() - t0) / 1000;
    const cpu = cpuDelta(cpuStart);
    const services = Object.fromEntries(Object.entries(stack.services).map(([name, s]) => [name, (processCpuS(s.pid) ?? NaN) - (servicesStart[name] ?? NaN)]));
    const after = await sdiag(bins.sdiag);
    const loadEnd = loadavg();
    const agent = agentCalls(shims.calls().slice(shimBefore));
    notes.push(agent.note);

    const all = await listAll(client, BENCH_NAME, [], calls);
    if (timedOut) {
      notes.push(`timed out after ${TIMEOUT_MS / 1000} s; open jobs cancelled`);
      const open = all.filter((j) => OPEN_STATES.includes(j.state));
      await pool(open.length, 8, async (i) => {
        calls.cancelJob += 1;
        await client.cancelJob((open[i] as pb.Job).jobId).catch(() => undefined);
      });
    }
    const completedJobs = all.filter((j) => j.state === S.JOB_STATE_COMPLETED);
    const notCompleted: Record<string, number> = {};
    for (const j of all) if (j.state !== S.JOB_STATE_COMPLETED) notCompleted[stateName(j.state)] = (notCompleted[stateName(j.state)] ?? 0) + 1;
    if (all.length !== N) notCompleted['missing from ListJobs'] = N - all.length;
    const lastUpdate = Math.max(...completedJobs.map((j) => j.updateTime?.getTime() ?? 0));
    const slurmIds = all.map((j) => j.slurmJobId).filter(Boolean);
    if (agent.counts['scancel']) notes.push(`the agent ran scancel ${agent.counts['scancel']} times`);
    const slurm = await slurmTimes(bins.squeue, slurmIds);
    if (makespanS > slurm.makespanS + 15) {
      // Slurm was done long before Cairn said so: keep the service logs to find out why.
      opts.keep = true;
      notes.push(
        `STALL: Cairn reported the last COMPLETED ${(makespanS - slurm.makespanS).toFixed(0)} s after Slurm ended its last job; service logs kept in ${stack.dir}`,
      );
    }

    return {
      name: 'cairn',
      submitLatencyMs: latencies,
      submitPhaseS,
      makespanS,
      recordedMakespanS: completedJobs.length ? (lastUpdate - t0Wall) / 1000 : NaN,
      timedOut,
      completed: completedJobs.length,
      notCompleted,
      squeueCalls: agent.counts['squeue'] ?? 0,
      sbatchCalls: agent.counts['sbatch'] ?? 0,
      jobs: all.map((j) => ({
        jobId: j.jobId,
        attemptId: j.attemptId,
        slurmJobId: j.slurmJobId,
        state: stateName(j.state),
        createTime: j.createTime?.toISOString(),
        updateTime: j.updateTime?.toISOString(),
      })),
      otherCalls: { 'gRPC ListJobs (while waiting)': calls.listJobs },
      notes,
      sdiag: sdiagDelta(before, after),
      slurm,
      controllerAtStart,
      loadavgStart: loadStart,
      loadavgEnd: loadEnd,
      cpu: { ...cpu, services },
    };
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


function ratio(c: number | undefined, b: number | undefined): string {
  if (c === undefined || b === undefined || !Number.isFinite(c) || !Number.isFinite(b) || b === 0) return '—';
  return `${(c / b).toFixed(2)}×`;
}

function report(facts: Record<string, string>, results: PhaseResult[]): string {
  const b = results.find((r) => r.name === 'baseline');
  const c = results.find((r) => r.name === 'cairn');
  const lines: string[] = [];
  lines.push(`## jobs-throughput: ${N} one-second jobs per approach`, '');
  for (const [k, v] of Object.entries(facts)) lines.push(`- ${k}: ${v}`);
  lines.push('');
  lines.push('| metric | baseline: sbatch + squeue per job | Cairn: gRPC gateway | Cairn / baseline |', '| --- | ---: | ---: | ---: |');
  const row = (label: string, get: (r: PhaseResult) => number | undefined, digits = 0) => {
    const bv = b ? get(b) : undefined;
    const cv = c ? get(c) : undefined;
    lines.push(`| ${label} | ${fmt(bv, digits)} | ${fmt(cv, digits)} | ${ratio(cv, bv)} |`);
  };
  row('submit latency, median (ms)', (r) => median(r.submitLatencyMs), 1);
  row('submit latency, p99 (ms)', (r) => quantile(r.submitLatencyMs, 0.99), 1);
  row('submit phase, all N accepted (s)', (r) => r.submitPhaseS, 1);
  row('submit throughput (jobs/s)', (r) => N / r.submitPhaseS, 0);
  row('makespan: first submit → client sees all COMPLETED (s)', (r) => r.makespanS, 1);
  row('makespan as recorded: first submit → last COMPLETED in the scheduler (s)', (r) => r.recordedMakespanS, 1);
  row('makespan in Slurm: first SubmitTime → last EndTime (s, 1 s resolution)', (r) => r.slurm.makespanS, 0);
  row('mean run time per job in Slurm (s)', (r) => r.slurm.meanRunS, 2);
  // The same in ms from Slurm's logs: allocation → slurmd's launch → batch step done → complete.
  row('Slurm logs: allocation → slurmd launches the script, mean (ms)', (r) => r.slurm.launch?.allocToLaunchMs.mean, 0);
  row('Slurm logs: launch → batch step done, mean (ms)', (r) => r.slurm.launch?.launchToDoneMs.mean, 0);
  row('Slurm logs: allocation → complete, mean (ms)', (r) => r.slurm.launch?.allocToCompleteMs.mean, 0);
  row('Slurm logs: jobs launched > 0.5 s after allocation', (r) => r.slurm.launch?.lateLaunches);
  row('jobs COMPLETED', (r) => r.completed);
  row('squeue processes run (baseline: the client; Cairn: the agent)', (r) => r.squeueCalls);
  row('sbatch processes run', (r) => r.sbatchCalls);
  const types = new Set<string>();
  for (const r of results) for (const t of Object.keys(r.sdiag.rpcs)) types.add(t);
  const sortedTypes = [...types].sort((x, y) => (c?.sdiag.rpcs[y]?.count ?? 0) + (b?.sdiag.rpcs[y]?.count ?? 0) - ((c?.sdiag.rpcs[x]?.count ?? 0) + (b?.sdiag.rpcs[x]?.count ?? 0)));
  row('controller RPCs, all types (sdiag)', (r) => Object.values(r.sdiag.rpcs).reduce((a, x) => a + x.count, 0));
  for (const t of sortedTypes) row(`&nbsp;&nbsp;${t}`, (r) => r.sdiag.rpcs[t]?.count ?? 0);
  row('controller time in RPCs, all types (ms, sdiag total_time)', (r) => Object.values(r.sdiag.rpcs).reduce((a, x) => a + x.totalMs, 0), 0);
  row(`machine CPU busy over the makespan (s, of ${availableParallelism()} CPUs × makespan)`, (r) => r.cpu.busyS, 1);
  row('of it, Cairn\'s services (gateway, scheduler, images, agent with its sbatch and squeue, provenance; s)', (r) => (r.cpu.services ? Object.values(r.cpu.services).reduce((a, x) => a + x, 0) : undefined), 1);
  row('CPU stolen by the hypervisor over the makespan (s)', (r) => r.cpu.stealS, 1);
  lines.push('');
  for (const r of results) {
    lines.push(`**${r.name}**`, '');
    const notCompleted = Object.entries(r.notCompleted);
    if (notCompleted.length) lines.push(`- NOT COMPLETED: ${notCompleted.map(([k, v]) => `${v} ${k}`).join(', ')}`);
    lines.push(`- controller remembered ${r.controllerAtStart.remembered} jobs at the start of the phase (each of the agent's squeue calls lists them all)`);
    lines.push(`- mean wait in Slurm, SubmitTime → StartTime: ${fmt(r.slurm.meanWaitS, 1)} s`);
    // Every squeue process makes exactly one REQUEST_PARTITION_INFO; this approach's are counted
    // client-side. More in sdiag, or more jobs submitted than N, means others used the controller.
    const foreignJobs = r.sdiag.jobsSubmitted - N;
    const foreignQueries = (r.sdiag.rpcs['REQUEST_PARTITION_INFO']?.count ?? 0) - r.squeueCalls;
    if (r.controllerAtStart.open > 0 || foreignJobs !== 0 || foreignQueries > 0) {
      lines.push(
        `- WARNING: the controller was not quiet: ${r.controllerAtStart.open} other jobs queued or running at the start, ${foreignJobs} jobs submitted by others and ≥${Math.max(0, foreignQueries)} queries (REQUEST_PARTITION_INFO beyond this approach's ${r.squeueCalls} squeue) during the phase; the sdiag rows include them and the makespan shared the partition`,
      );
    }
    if (r.sdiag.resetDuringPhase) lines.push('- WARNING: sdiag was reset during the phase; its counts are a lower bound');
    for (const [k, v] of Object.entries(r.otherCalls)) lines.push(`- ${k}: ${v}`);
    if (r.cpu.services) lines.push(`- CPU of Cairn's services over the makespan (s): ${Object.entries(r.cpu.services).map(([name, s]) => `${name} ${fmt(s, 1)}`).join(', ')}; PostgreSQL and NATS are in the machine's total only`);
    lines.push(`- load average (1, 5, 15 min) at start ${r.loadavgStart.map((x) => x.toFixed(2)).join(' ')}, at end ${r.loadavgEnd.map((x) => x.toFixed(2)).join(' ')}`);
    for (const note of r.notes) lines.push(`- ${note}`);
    lines.push('');
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// Main

/** With --pairs: one row a pair (makespans, their ratio, a job's slot time, CPU stolen), and the median ratio. */
function pairsReport(facts: Record<string, string>, pairs: PhaseResult[][]): string {
  const lines = [`## jobs-throughput: ${N} one-second jobs per approach, ${pairs.length} pairs`, ''];
  for (const [k, v] of Object.entries(facts)) lines.push(`- ${k}: ${v}`);
  lines.push(
    '',
    '| pair | first | baseline makespan (s) | Cairn makespan (s) | Cairn ÷ baseline | a job\'s slot, launch → batch step done, mean (ms): baseline / Cairn | CPU stolen (s): baseline / Cairn |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  );
  const ratios: number[] = [];
  pairs.forEach((results, k) => {
    const b = results.find((r) => r.name === 'baseline');
    const c = results.find((r) => r.name === 'cairn');
    if (b && c) ratios.push(c.makespanS / b.makespanS);
    const slot = (r: PhaseResult | undefined) => fmt(r?.slurm.launch?.launchToDoneMs.mean, 0);
    lines.push(`| ${k + 1} | ${results[0]?.name ?? '—'} | ${fmt(b?.makespanS, 1)} | ${fmt(c?.makespanS, 1)} | ${ratio(c?.makespanS, b?.makespanS)} | ${slot(b)} / ${slot(c)} | ${fmt(b?.cpu.stealS, 1)} / ${fmt(c?.cpu.stealS, 1)} |`);
  });
  if (ratios.length > 0) lines.push('', `Median of the pairs' ratios (makespan: first submit → client sees all COMPLETED): **${median(ratios).toFixed(3)}×** (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×).`);
  lines.push('');
  return lines.join('\n');
}

async function machineFacts(): Promise<Record<string, string>> {
  const partition = await run('scontrol', ['show', 'partition', PARTITION]).catch(() => '');
  const config = await run('scontrol', ['show', 'config']).catch(() => '');
  return {
    date: new Date().toISOString(),
    N: String(N),
    command: `node -r ./tools/register.js tools/benchmarks/jobs-throughput.ts ${process.argv.slice(2).join(' ')}`.trim(),
    'commit': await treeCommit(),
    'CPUs (nproc)': String(availableParallelism()),
    'Slurm': (await run('sinfo', ['--version']).catch(() => '?')).trim(),
    [`partition ${PARTITION}`]: `OverSubscribe=${/OverSubscribe=(\S+)/.exec(partition)?.[1] ?? '?'}, TotalCPUs=${/TotalCPUs=(\S+)/.exec(partition)?.[1] ?? '?'}`,
    SchedulerParameters: /SchedulerParameters\s*=\s*(.*)/.exec(config)?.[1]?.trim() ?? '?',
    'Node.js': process.version,
    settings: `Cairn ${CONCURRENCY} SubmitJob calls in flight, ListJobs every ${WATCH_INTERVAL_MS} ms, services at nice ${SERVICES_NICE}; baseline squeue every ${POLL_INTERVAL_MS} ms per job, at most ${POLL_PARALLEL} at once`,
  };
}

async function main(): Promise<void> {
  const bins = await findBins();
  await sdiag(bins.sdiag).catch((e: unknown) => {
    throw new Error(`sdiag failed (is the dev cluster up, and are you root?): ${(e as Error).message}`);
  });
  const facts = await machineFacts();
  const workDir = mkdtempSync(join(tmpdir(), `cairn-bench-${RUN_ID}-`));
  log(`run ${RUN_ID}: ${N} jobs per approach; work dir ${workDir}`);
  const cleanups: (() => Promise<void>)[] = [];
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted: cancelling this run\'s baseline jobs and stopping the stack');
    void (async () => {
      await processes.run(bins.scancel, [`--name=${BENCH_NAME}`]).catch(() => undefined);
      for (const c of cleanups) await c().catch(() => undefined);
      process.exit(130);
    })();
  });

  // Pairs alternate which phase goes first, so that neither always runs on a fresher machine.
  const pairs: PhaseResult[][] = [];
  try {
    for (let k = 0; k < PAIRS && !interrupted; k += 1) {
      const order: PhaseResult['name'][] = k % 2 === 0 ? ['baseline', 'cairn'] : ['cairn', 'baseline'];
      const results: PhaseResult[] = [];
      for (const name of order) {
        if (interrupted || opts.only === (name === 'baseline' ? 'cairn' : 'baseline')) continue;
        if (PAIRS > 1) log(`pair ${k + 1} of ${PAIRS}: ${name}`);
        results.push(name === 'baseline' ? await baselinePhase(bins, workDir) : await cairnPhase(bins, workDir, cleanups));
      }
      pairs.push(results);
    }
  } finally {
    for (const c of cleanups) await c().catch((e: unknown) => log(`cleanup: ${(e as Error).message}`));
  }
  const text = pairs.length === 1 ? report(facts, pairs[0] ?? []) : [pairsReport(facts, pairs), ...pairs.map((results, k) => report({ pair: `${k + 1} of ${pairs.length}, ${results.map((r) => r.name).join(' then ')}` }, results))].join('\n');
  process.stdout.write(`${text}\n`);
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify(pairs.length === 1 ? { facts, results: pairs[0] } : { facts, pairs }, null, 2)}\n`);
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
