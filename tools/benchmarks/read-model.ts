/**
 * What the gateway's read memory does for the reads (ADR 0017: GetJob; ADR 0019: ListJobs,
 * GetWorkflow, ListWorkflows): two JobService + WorkflowService bindings in one process over
 * the same NATS connection and scheduler, one with the read model and memories (answers
 * from memory when they are current) and one without (every read a request to the
 * scheduler, as before), both behind the same real door. Rounds alternate which goes first.
 *
 *   node -r ./tools/register.js tools/benchmarks/read-model.ts --calls 3000 --rounds 3
 *
 * Alice submits one job and --runs one-step runs, which run to their end; then the agent
 * is stopped and she submits the rest of --list-jobs jobs, which the scheduler stores and
 * never hands on: nothing changes while the reads are measured. Then per round, read and
 * mode: N/4 calls one at a time and N at 16 in flight (lists and
 * workflow reads: N/--list-divisor). Prints a markdown table (calls/s, p50, p99 per read,
 * mode and concurrency) to stdout, progress to stderr. Reports numbers and asserts none.
 * Needs the dev cluster.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectNats } from '@cairn/adapters/nats';
import { JobsClient, WorkflowsClient } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { type Door, GrpcServerHost, LoggingAuditSink, WatchLimiter } from '@cairn/grpc-server';
import { IdentityAuthenticator, identityConfigSchema, mappingFileSchema } from '@cairn/identity';
import { jobsBinding } from '@cairn/jobs-api';
import { createLogger } from '@cairn/logging';
import { STACK_ACCOUNTS, startCairnStack, WORKSPACE } from '@cairn/testing';
import { workflowsBinding } from '@cairn/workflows-api';
import { fmt, measureCalls, positiveOption, progressLog, quantile, runMain, usageOnHelp } from './bench-kit';

const READS = ['GetJob', 'ListJobs', 'GetWorkflow', 'ListWorkflows'] as const;
type Read = (typeof READS)[number];

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/read-model.ts [options]
  --calls N         GetJob calls at 16 in flight per mode and round (default 3000; one at a time: N/4)
  --list-divisor D  the other reads make N/D calls (default 3)
  --list-jobs J     jobs in the ListJobs page (default 50)
  --runs W          one-step runs in the ListWorkflows page (default 10)
  --reads R,...     which reads (default ${READS.join(',')})
  --rounds R        rounds, each with and without the memory (default 3)`;

const { values: opts } = parseArgs({
  options: {
    calls: { type: 'string', default: '3000' },
    'list-divisor': { type: 'string', default: '3' },
    'list-jobs': { type: 'string', default: '50' },
    runs: { type: 'string', default: '10' },
    reads: { type: 'string', default: READS.join(',') },
    rounds: { type: 'string', default: '3' },
    help: { type: 'boolean', default: false },
  },
});
usageOnHelp(opts.help, USAGE);
const CALLS = positiveOption('calls', opts.calls);
const DIVISOR = positiveOption('list-divisor', opts['list-divisor']);
const LIST_JOBS = positiveOption('list-jobs', opts['list-jobs']);
const RUNS = positiveOption('runs', opts.runs);
const ROUNDS = positiveOption('rounds', opts.rounds);
const CHOSEN = opts.reads.split(',').map((r) => r.trim());
for (const r of CHOSEN) if (!(READS as readonly string[]).includes(r)) throw new Error(`--reads: unknown read ${r} (one of ${READS.join(', ')})`);
const log = progressLog('read-model');

type Mode = 'memory' | 'scheduler';
const FINAL_JOB = [pb.JobState.JOB_STATE_COMPLETED, pb.JobState.JOB_STATE_FAILED, pb.JobState.JOB_STATE_CANCELLED, pb.JobState.JOB_STATE_TIMEOUT];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  log('starting the stack');
  const stack = await startCairnStack();
  const quiet = createLogger('bench', 'silent');
  const nats = await connectNats({ ...stack.nats.clientFor(stack.nats.users.gateway), name: 'cairn-bench-read-model' });
  const hosts: GrpcServerHost[] = [];
  const closers: { close(): void }[] = [];
  try {
    const config = identityConfigSchema.parse({
      issuers: [{ issuer: stack.idp.issuer, audience: stack.idp.audience }],
      mappingFile: '/in-memory',
      mapping: [{ rule: 'template', template: '{preferred_username}' }],
      rateLimit: { perSecond: 100_000, burst: 1_000_000 },
    });
    const door: Door = { authenticator: new IdentityAuthenticator(config, mappingFileSchema.parse({ accounts: STACK_ACCOUNTS })), audit: new LoggingAuditSink(quiet) };
    const jobs = {} as Record<Mode, JobsClient>;
    const flows = {} as Record<Mode, WorkflowsClient>;
    for (const mode of ['memory', 'scheduler'] as const) {
      const host = new GrpcServerHost({
        address: '127.0.0.1:0',
        protoDir: join(WORKSPACE, 'proto'),
        protoFiles: ['cairn/v1/job_service.proto', 'cairn/v1/workflow_service.proto'],
        maxMessageBytes: 2 * 1024 * 1024,
        logger: quiet,
        transport: { plaintext: true },
      });
      const watchLimiter = new WatchLimiter({ perClient: 64, total: 1024 });
      const common = { nats, logger: quiet, defaultSite: stack.site, watchLimiter, door };
      const port = await host.start([jobsBinding({ ...common, readModel: mode === 'memory' }), workflowsBinding({ ...common, readMemory: mode === 'memory' })]);
      hosts.push(host);
      jobs[mode] = new JobsClient(`127.0.0.1:${port}`, { token: stack.tokens.alice });
      flows[mode] = new WorkflowsClient(`127.0.0.1:${port}`, { token: stack.tokens.alice });
      closers.push(jobs[mode], flows[mode]);
    }
    const prefix = `bench-read-${Date.now()}`;
    const spec = (n: number) => pb.JobSpec.fromPartial({ name: `${prefix}-${n}`, image: 'lab/busybox:1.36', command: ['/bin/true'], resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 } });
    log(`one job and ${RUNS} one-step runs while the agent is up (the site pins the image and describes itself for planning)`);
    const first = (await jobs.memory.submitJob(pb.SubmitJobRequest.fromPartial({ spec: spec(0) }))).job?.jobId ?? '';
    const runIds: string[] = [];
    for (let n = 0; n < RUNS; n += 1) {
      const source = `version: 1\nname: ${prefix}-w${n}\ndefaults: { image: lab/busybox:1.36, resources: { time: 1m } }\nsteps:\n  one: { command: [/bin/true] }\n`;
      runIds.push((await flows.memory.submitWorkflow({ source, fileName: 'w.yaml' })).workflow?.runId ?? '');
    }
    log('waiting until they finished (then they never change)');
    while (!FINAL_JOB.includes((await jobs.scheduler.getJob(first)).state)) await sleep(500);
    for (const runId of runIds) while ((await flows.scheduler.getWorkflow(runId)).state === pb.WorkflowState.WORKFLOW_STATE_RUNNING) await sleep(500);
    log('stopping the agent: the other jobs are stored by the scheduler, never reach Slurm, and do not change while the reads are measured');
    await stack.services.agent.kill('SIGTERM');
    log(`submitting ${LIST_JOBS - 1} more jobs`);
    const jobIds: string[] = [first];
    for (let n = 1; n < LIST_JOBS; n += 1) jobIds.push((await jobs.memory.submitJob(pb.SubmitJobRequest.fromPartial({ spec: spec(n) }))).job?.jobId ?? '');
    // Let the last events reach both bindings.
    await sleep(2000);
    const job = jobIds[0] ?? '';
    const run = runIds[0] ?? '';
    const call: Record<Read, (mode: Mode) => Promise<unknown>> = {
      GetJob: (mode) => jobs[mode].getJob(job),
      ListJobs: (mode) => jobs[mode].listJobs({ namePrefix: `${prefix}-`, pageSize: 50 }),
      GetWorkflow: (mode) => flows[mode].getWorkflow(run),
      ListWorkflows: (mode) => flows[mode].listWorkflows({ namePrefix: prefix, pageSize: 50 }),
    };
    const reads = READS.filter((r) => CHOSEN.includes(r));
    for (const read of reads) for (const mode of ['memory', 'scheduler'] as const) await measureCalls(100, 16, () => call[read](mode));
    const results = new Map<string, { latencies: number[]; seconds: number; calls: number }>();
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const read of reads) {
        for (const mode of round % 2 === 1 ? (['memory', 'scheduler'] as const) : (['scheduler', 'memory'] as const)) {
          for (const inFlight of [1, 16]) {
            log(`round ${round}/${ROUNDS}: ${read} from ${mode}, ${inFlight} in flight`);
            const n = Math.ceil((read === 'GetJob' ? CALLS : CALLS / DIVISOR) / (inFlight === 1 ? 4 : 1));
            const m = await measureCalls(n, inFlight, () => call[read](mode));
            const key = `${read} ${mode} ${inFlight}`;
            const into = results.get(key) ?? { latencies: [], seconds: 0, calls: 0 };
            into.latencies.push(...m.latencies);
            into.seconds += m.seconds;
            into.calls += m.latencies.length;
            results.set(key, into);
          }
        }
      }
    }
    const lines = [
      `## Reads with and without the gateway's read memory (${ROUNDS} rounds, plaintext gRPC on loopback, real door; ListJobs: ${Math.min(50, LIST_JOBS + RUNS)} jobs a page, ListWorkflows: ${Math.min(50, RUNS)} runs)`,
      '',
      '| read | from | in flight | calls | calls/s | p50 (ms) | p99 (ms) | memory ÷ scheduler (calls/s) |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const read of reads) {
      for (const inFlight of [1, 16]) {
        const base = results.get(`${read} scheduler ${inFlight}`);
        for (const mode of ['memory', 'scheduler'] as const) {
          const r = results.get(`${read} ${mode} ${inFlight}`);
          const ratio = mode === 'memory' && base ? `${fmt(r ? r.calls / r.seconds / (base.calls / base.seconds) : 0, 2)}×` : '';
          if (r) lines.push(`| ${read} | ${mode} | ${inFlight} | ${r.calls} | ${fmt(r.calls / r.seconds, 0)} | ${fmt(quantile(r.latencies, 0.5), 2)} | ${fmt(quantile(r.latencies, 0.99), 2)} | ${ratio} |`);
        }
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const each of closers) each.close();
    for (const host of hosts) await host.stop(1000);
    await nats.close();
    await stack.stop();
  }
}

runMain(main);
