/**
 * The public API under load: GetJob, ListJobs and SubmitJob through Cairn's gateway (a whole
 * `startCairnStack()`: TLS, the real door with a signed-in person's token, NATS, scheduler,
 * PostgreSQL) against a bare grpc-js server of the same cairn.v1.JobService that answers from
 * memory (bare-job-server.ts: same TLS certificate, same message limits, a bearer token per
 * call), both driven by the same client code (`JobsClient`, one channel each) at 1 and 16
 * calls in flight, in one run.
 *
 *   node -r ./tools/register.js tools/benchmarks/api-load.ts --calls 1000 --list-calls 300 --submits 100 --rounds 2
 *
 * Prints a markdown report (per call and calls in flight: calls/s, p50 and p99 of each
 * server, and Cairn ÷ bare; the CPU time each process spent per call) to stdout, progress to
 * stderr; `--json FILE` keeps every latency. Rounds alternate which server goes first, call
 * kind by call kind, so drift of the machine hits both. The agent is stopped after the first
 * job (the site lists its images when a tag is first pinned there): SubmitJob answers once the
 * scheduler has stored the job, so the measured jobs never reach Slurm (they wait for their
 * agent, and go away with the stack). The bare server is
 * given the jobs Cairn returned, so both answer the same records. It reports numbers and
 * asserts none. Method and results: docs/benchmarks.md ("Public API under load"). Needs the
 * dev cluster (`bash tools/dev-cluster/dev-cluster.sh up`).
 */
// eslint-disable-next-line no-restricted-imports -- the bare server is a long-lived child with an IPC channel, which @cairn/adapters/process (run to completion) does not start
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { JobsClient } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { type CairnStack, startCairnStack, WORKSPACE } from '@cairn/testing';
import type { BareServerMessage, BareServerSettings } from './bare-job-server';
import { fmt, median, now, positiveOption, progressLog, quantile, treeCommit, usageOnHelp } from './bench-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/api-load.ts [options]
  --calls N         GetJob calls per server, calls in flight and round (default 1000)
  --list-calls N    ListJobs calls per server, calls in flight and round (default 300)
  --submits N       SubmitJob calls per server, calls in flight and round (default 100)
  --list-jobs N     jobs in the listed page (seeded first; default 50)
  --rounds R        rounds (default 2), alternating which server goes first
  --in-flight LIST  calls in flight, comma-separated (default 1,16)
  --warm-up-submits N  SubmitJob calls on each server before the measured ones, at the largest
                    calls in flight (default 1000; Cairn's are bob's and carol's, so alice's
                    limit holds only hers); 5 measures a freshly started stack
  --json FILE       also write every latency as JSON`;

const { values: opts } = parseArgs({
  options: {
    calls: { type: 'string', default: '1000' },
    'list-calls': { type: 'string', default: '300' },
    submits: { type: 'string', default: '100' },
    'list-jobs': { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '1,16' },
    'warm-up-submits': { type: 'string', default: '1000' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
usageOnHelp(opts.help, USAGE);
const CALLS = positiveOption('calls', opts.calls);
const LIST_CALLS = positiveOption('list-calls', opts['list-calls']);
const SUBMITS = positiveOption('submits', opts.submits);
const LIST_JOBS = positiveOption('list-jobs', opts['list-jobs']);
const ROUNDS = positiveOption('rounds', opts.rounds);
const IN_FLIGHT = opts['in-flight'].split(',').map((each) => positiveOption('in-flight', each.trim()));
const WARM_UP_SUBMITS = positiveOption('warm-up-submits', opts['warm-up-submits']);
const WARM_UP_IN_FLIGHT = Math.max(...IN_FLIGHT);
// Every SubmitJob through Cairn stays unfinished (its agent is stopped); one person may have at most this many.
const MAX_ACTIVE_JOBS_PER_PERSON = 1000;
const cairnJobs = 1 + LIST_JOBS + SUBMITS * IN_FLIGHT.length * ROUNDS;
if (cairnJobs > MAX_ACTIVE_JOBS_PER_PERSON) {
  throw new Error(
    `1 + --list-jobs ${LIST_JOBS} + --submits ${SUBMITS} x ${IN_FLIGHT.length} in-flight settings x --rounds ${ROUNDS} = ${cairnJobs} unfinished jobs of alice's, over the ${MAX_ACTIVE_JOBS_PER_PERSON} one person may have`,
  );
}
// Cairn's warm-up submissions are bob's, then carol's.
if (WARM_UP_SUBMITS > 2 * MAX_ACTIVE_JOBS_PER_PERSON) throw new Error(`--warm-up-submits ${WARM_UP_SUBMITS} is over the ${2 * MAX_ACTIVE_JOBS_PER_PERSON} unfinished jobs bob and carol may have`);
const RUN_ID = randomBytes(4).toString('hex');
const log = progressLog('api-load');

type Target = 'bare' | 'cairn';
type Kind = 'GetJob' | 'ListJobs' | 'SubmitJob';
const KINDS: readonly Kind[] = ['GetJob', 'ListJobs', 'SubmitJob'];

/** Runs `count` calls of `fn`, `limit` at a time; returns each call's latency (ms) and the wall time (s). */
async function measure(count: number, limit: number, fn: (i: number) => Promise<unknown>): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const start = now();
  const worker = async () => {
    while (next < count) {
      const i = next;
      next += 1;
      const t = now();
      await fn(i);
      latencies.push(now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return { latencies, seconds: (now() - start) / 1000 };
}

// ---------------------------------------------------------------------------------------
// CPU time per process, from /proc (user + system), to say where a call's time goes

const CLOCK_TICKS_PER_S = 100;

function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may hold spaces: the fields after it start past the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return NaN;
  }
}

/** The nats-server started with the stack's config (its pid is not exposed by the harness). */
function natsServerPid(natsDir: string): number | undefined {
  const config = join(natsDir, 'nats.conf');
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('nats-server') && argv.includes(config)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** The PostgreSQL backends serving one database (their title names it: "postgres: 15/main: cairn <db> ..."). */
function postgresBackends(database: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (title.startsWith('postgres: ') && title.split(/\s+/).includes(database)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Per process name, the pids to count (asked again at each reading: backends come and go). */
type Processes = Record<string, () => number[]>;
type CpuReading = Record<string, Map<number, number>>;
const readCpu = (processes: Processes): CpuReading =>
  Object.fromEntries(Object.entries(processes).map(([name, pids]) => [name, new Map(pids().map((pid) => [pid, cpuSeconds(pid)]))]));
/** CPU seconds per name between two readings (a pid first seen in the second counts from 0; one gone meanwhile is lost). */
function cpuBetween(before: CpuReading, after: CpuReading): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pids] of Object.entries(after)) {
    let total = 0;
    for (const [pid, seconds] of pids) if (Number.isFinite(seconds)) total += seconds - (before[name]?.get(pid) ?? 0);
    out[name] = total;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// The bare server, as a child process

async function startBare(settings: BareServerSettings): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(__dirname, 'bare-job-server.ts'), [], { execArgv: ['-r', join(WORKSPACE, 'tools', 'register.js')], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: BareServerMessage) => ('port' in message ? resolve(message.port) : reject(new Error(`bare server: ${message.error}`))));
    child.once('exit', (code) => reject(new Error(`bare server exited ${code} before it listened`)));
    child.send(settings);
  });
  return { child, port };
}

async function stopBare(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ stop: true });
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------

interface Cell {
  kind: Kind;
  inFlight: number;
  target: Target;
  latencies: number[];
  seconds: number;
  calls: number;
  /** CPU seconds each process spent during this cell's calls. */
  cpu: Record<string, number>;
}

function spec(name: string): pb.JobSpec {
  return pb.JobSpec.fromPartial({ name, image: 'lab/busybox:1.36', command: ['/bin/true'], resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 } });
}

async function machineFacts(): Promise<Record<string, string>> {
  return {
    date: new Date().toISOString(),
    command: `node -r ./tools/register.js tools/benchmarks/api-load.ts ${process.argv.slice(2).join(' ')}`.trim(),
    commit: await treeCommit(),
    'CPUs (nproc)': String(availableParallelism()),
    'Node.js': process.version,
    settings: `${CALLS} GetJob, ${LIST_CALLS} ListJobs (a page of ${LIST_JOBS} jobs), ${SUBMITS} SubmitJob per server, calls in flight and round; ${ROUNDS} rounds; in flight ${IN_FLIGHT.join(' and ')}; warm-up per server 200 GetJob and 20 ListJobs at 16 in flight, ${WARM_UP_SUBMITS} SubmitJob at ${WARM_UP_IN_FLIGHT} (Cairn's by bob and carol)`,
  };
}

async function main(): Promise<void> {
  const facts = await machineFacts();
  const loadStart = loadavg();
  log('starting the stack (dev IdP, private NATS, fresh database, gateway, scheduler, images, provenance, agent)');
  const stack: CairnStack = await startCairnStack();
  const clients: JobsClient[] = [];
  let bare: ChildProcess | undefined;
  try {
    const token = stack.tokens.alice;
    const cairn = new JobsClient(stack.grpcAddress, { ca: stack.ca, token });
    clients.push(cairn);
    const listPrefix = `api-load-${RUN_ID}-list-`;
    log('one job while the agent is up (the site lists its images when the tag is first pinned there)');
    await cairn.submitJob({ spec: spec(`api-load-${RUN_ID}-first`), requestId: '' });
    log('stopping the agent: the other jobs are stored by the scheduler and never reach Slurm');
    await stack.services.agent.kill('SIGTERM');
    log(`seeding ${LIST_JOBS} jobs for ListJobs`);
    let template: pb.Job | undefined;
    for (let i = 0; i < LIST_JOBS; i += 1) template = (await cairn.submitJob({ spec: spec(`${listPrefix}${i}`), requestId: '' })).job;
    if (!template) throw new Error('no job in SubmitJobResponse');
    const listRequest: Partial<pb.ListJobsRequest> = { namePrefix: listPrefix, pageSize: LIST_JOBS };
    const page = await cairn.listJobs(listRequest);
    if (page.jobs.length !== LIST_JOBS) throw new Error(`ListJobs returned ${page.jobs.length} of the ${LIST_JOBS} seeded jobs`);
    const gotten = page.jobs[page.jobs.length - 1] as pb.Job;
    const encode = (job: pb.Job) => Buffer.from(pb.Job.encode(job).finish()).toString('base64');

    const tls = stack.nats.ca;
    if (!tls) throw new Error('the stack has no TLS CA');
    const started = await startBare({ certFile: tls.serverCert, keyFile: tls.serverKey, token, jobs: page.jobs.map(encode), template: encode(template) });
    bare = started.child;
    const bareClient = new JobsClient(`127.0.0.1:${started.port}`, { ca: stack.ca, token });
    clients.push(bareClient);
    const client: Record<Target, JobsClient> = { bare: bareClient, cairn };

    const one = (pid: number | undefined) => () => (pid === undefined ? [] : [pid]);
    const natsPid = natsServerPid(stack.nats.dir);
    const database = new URL(stack.database.url).pathname.slice(1);
    const processes: Record<Target, Processes> = {
      bare: { 'bare server': one(bare.pid), 'client (this script)': one(process.pid) },
      cairn: {
        gateway: one(stack.services.gateway.pid),
        scheduler: one(stack.services.scheduler.pid),
        images: one(stack.services.images.pid),
        provenance: one(stack.services.provenance.pid),
        'nats-server': one(natsPid),
        'PostgreSQL (the stack database\'s backends)': () => postgresBackends(database),
        'client (this script)': one(process.pid),
      },
    };
    const call: Record<Kind, (target: Target, i: number, tag: string) => Promise<unknown>> = {
      GetJob: (target) => client[target].getJob(gotten.jobId),
      ListJobs: (target) => client[target].listJobs(listRequest),
      SubmitJob: (target, i, tag) => client[target].submitJob({ spec: spec(`api-load-${RUN_ID}-submit`), requestId: `api-load-${RUN_ID}-${tag}-${i}` }),
    };
    // The answers must be the same records on both sides.
    const [cairnGet, bareGet] = await Promise.all([cairn.getJob(gotten.jobId), bareClient.getJob(gotten.jobId)]);
    if (cairnGet.jobId !== bareGet.jobId || (await bareClient.listJobs(listRequest)).jobs.length !== LIST_JOBS) throw new Error('the bare server does not answer the seeded jobs');
    log(`warm-up: 200 GetJob, 20 ListJobs and ${WARM_UP_SUBMITS} SubmitJob on each server (Cairn's submissions by bob, then carol)`);
    const bobs = Math.min(WARM_UP_SUBMITS, MAX_ACTIVE_JOBS_PER_PERSON);
    const warmSubmit: Record<Target, (i: number) => Promise<unknown>> = {
      bare: (i) => call.SubmitJob('bare', i, 'warm'),
      cairn: (i) => (i < bobs ? stack.clients.bob : stack.clients.carol).submitJob({ spec: spec(`api-load-${RUN_ID}-warm`), requestId: `api-load-${RUN_ID}-warm-${i}` }),
    };
    for (const target of ['bare', 'cairn'] as const) {
      await measure(200, 16, () => call.GetJob(target, 0, 'warm'));
      await measure(20, 16, () => call.ListJobs(target, 0, 'warm'));
      await measure(WARM_UP_SUBMITS, WARM_UP_IN_FLIGHT, warmSubmit[target]);
    }

    const cells: Cell[] = [];
    const countOf: Record<Kind, number> = { GetJob: CALLS, ListJobs: LIST_CALLS, SubmitJob: SUBMITS };
    for (let round = 1; round <= ROUNDS; round += 1) {
      const order: Target[] = round % 2 === 1 ? ['bare', 'cairn'] : ['cairn', 'bare'];
      for (const inFlight of IN_FLIGHT) {
        log(`round ${round}/${ROUNDS}, ${inFlight} in flight: ${CALLS} GetJob, ${LIST_CALLS} ListJobs, ${SUBMITS} SubmitJob, ${order.join(' then ')}`);
        for (const kind of KINDS) {
          for (const target of order) {
            const before = readCpu(processes[target]);
            const measured = await measure(countOf[kind], inFlight, (i) => call[kind](target, i, `r${round}c${inFlight}`));
            const cpu = cpuBetween(before, readCpu(processes[target]));
            cells.push({ kind, inFlight, target, ...measured, calls: countOf[kind], cpu });
          }
        }
      }
    }
    facts['load average (1, 5, 15 min)'] = `at start ${loadStart.map((x) => x.toFixed(2)).join(' ')}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`;
    process.stdout.write(`${report(facts, cells)}\n`);
    if (opts.json) {
      writeFileSync(opts.json, `${JSON.stringify({ facts, cells }, null, 2)}\n`);
      log(`raw measurements: ${opts.json}`);
    }
  } finally {
    for (const each of clients) each.close();
    if (bare) await stopBare(bare);
    await stack.stop();
  }
}

// ---------------------------------------------------------------------------------------
// Report

interface Summary {
  calls: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** CPU ms per call, by process. */
  cpuMs: Record<string, number>;
}

function summarise(cells: Cell[]): Summary {
  const calls = cells.reduce((a, c) => a + c.calls, 0);
  const latencies = cells.flatMap((c) => c.latencies);
  const cpuMs: Record<string, number> = {};
  for (const c of cells) for (const [name, s] of Object.entries(c.cpu)) cpuMs[name] = (cpuMs[name] ?? 0) + (s * 1000) / calls;
  return { calls, perSecond: calls / cells.reduce((a, c) => a + c.seconds, 0), p50: median(latencies), p99: quantile(latencies, 0.99), cpuMs };
}

const times = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—');

function report(facts: Record<string, string>, cells: Cell[]): string {
  const lines = [`## api-load: GetJob, ListJobs, SubmitJob through Cairn's gateway vs a bare grpc-js server`, ''];
  for (const [k, v] of Object.entries(facts)) lines.push(`- ${k}: ${v}`);
  lines.push(
    '',
    '| call | in flight | bare calls/s | Cairn calls/s | throughput Cairn ÷ bare | bare p50 (ms) | Cairn p50 (ms) | bare p99 (ms) | Cairn p99 (ms) | p99 Cairn ÷ bare |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const cpuLines: string[] = [];
  for (const kind of KINDS) {
    for (const inFlight of IN_FLIGHT) {
      const of = (target: Target) => summarise(cells.filter((c) => c.kind === kind && c.inFlight === inFlight && c.target === target));
      const b = of('bare');
      const c = of('cairn');
      lines.push(
        `| ${kind} | ${inFlight} | ${fmt(b.perSecond)} | ${fmt(c.perSecond)} | ${times(c.perSecond, b.perSecond)} | ${fmt(b.p50, 2)} | ${fmt(c.p50, 2)} | ${fmt(b.p99, 2)} | ${fmt(c.p99, 2)} | ${times(c.p99, b.p99)} |`,
      );
      const cpu = (s: Summary) =>
        Object.entries(s.cpuMs)
          .map(([name, ms]) => `${name} ${fmt(ms, 2)}`)
          .join(', ');
      const servers = (s: Summary) => Object.entries(s.cpuMs).reduce((a, [name, ms]) => (name.startsWith('client') ? a : a + ms), 0);
      cpuLines.push(
        `- ${kind}, ${inFlight} in flight (${c.calls} calls each): server side ${fmt(servers(c), 2)} (Cairn) vs ${fmt(servers(b), 2)} (bare), ${times(servers(c), servers(b))}. Bare: ${cpu(b)}. Cairn: ${cpu(c)}`,
      );
    }
  }
  lines.push('', 'CPU time per call (ms, user + system, from /proc; 10 ms ticks summed over all calls):', '', ...cpuLines, '');
  return lines.join('\n');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`api-load: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
