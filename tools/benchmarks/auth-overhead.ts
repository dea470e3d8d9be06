/**
 * What authentication costs: GetJob and SubmitJob through two gateways in one process, the
 * same code over the same NATS connection and scheduler, one behind the real door (jose
 * verification against the dev IdP's cached JWKS, identity mapping, roles, rate limit) and
 * one behind an open door that hands every call alice's principal without looking at the
 * token. Both receive the same token on the wire.
 *
 *   node -r ./tools/register.js tools/benchmarks/auth-overhead.ts --calls 2000 --submits 150
 *
 * Prints a markdown report (throughput, p50, p99 per call kind and mode, the ratios, and
 * the door's own time per call) to stdout, progress to stderr. Rounds alternate which mode
 * goes first so that drift of the machine hits both. The agent is stopped after the
 * warm-up: SubmitJob answers once the scheduler has stored the job, so the measured jobs
 * never reach Slurm (they wait for their agent, and go away with the stack). It reports
 * numbers and asserts none. Method and results: docs/benchmarks.md. Needs the dev cluster
 * (`bash tools/dev-cluster/dev-cluster.sh up`).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectNats } from '@cairn/adapters/nats';
import { JobsClient } from '@cairn/client';
import { type Principal, pb } from '@cairn/contracts';
import { type Door, GrpcServerHost, LoggingAuditSink, WatchLimiter } from '@cairn/grpc-server';
import { IdentityAuthenticator, identityConfigSchema, mappingFileSchema, TokenVerifier } from '@cairn/identity';
import { jobsBinding } from '@cairn/jobs-api';
import { createLogger } from '@cairn/logging';
import { STACK_ACCOUNTS, startCairnStack, WORKSPACE } from '@cairn/testing';
import { fmt, measureCalls, now, positiveOption, progressLog, quantile, runMain, usageOnHelp } from './bench-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/auth-overhead.ts [options]
  --calls N        GetJob calls per mode and round (default 2000)
  --submits N      SubmitJob calls per mode and round (default 150; all of them stay
                   unfinished: 2 x N x R + 2 must stay within the scheduler's
                   CAIRN_MAX_ACTIVE_JOBS_PER_PERSON, 1000 by default)
  --rounds R       rounds, each on then off (default 3)
  --concurrency C  calls in flight (default 16)`;

const { values: opts } = parseArgs({
  options: {
    calls: { type: 'string', default: '2000' },
    submits: { type: 'string', default: '150' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '16' },
    help: { type: 'boolean', default: false },
  },
});
usageOnHelp(opts.help, USAGE);
const CALLS = positiveOption('calls', opts.calls);
const SUBMITS = positiveOption('submits', opts.submits);
const ROUNDS = positiveOption('rounds', opts.rounds);
const CONCURRENCY = positiveOption('concurrency', opts.concurrency);
const log = progressLog('auth-overhead');
// Every measured SubmitJob stays unfinished (its agent is stopped); alice may have at most this many.
const MAX_ACTIVE_JOBS_PER_PERSON = 1000;
if (2 * SUBMITS * ROUNDS + 2 > MAX_ACTIVE_JOBS_PER_PERSON) {
  throw new Error(`--submits ${SUBMITS} x 2 modes x --rounds ${ROUNDS} (+2 warm-up jobs) is over the ${MAX_ACTIVE_JOBS_PER_PERSON} unfinished jobs one person may have`);
}

type Mode = 'on' | 'off';
type Kind = 'GetJob' | 'SubmitJob';

async function main(): Promise<void> {
  log('starting the stack (dev IdP, private NATS, fresh database, gateway, scheduler, images, agent)');
  const stack = await startCairnStack();
  const quiet = createLogger('bench', 'silent');
  const nats = await connectNats({ ...stack.nats.clientFor(stack.nats.users.gateway), name: 'cairn-bench-gateways' });
  const hosts: GrpcServerHost[] = [];
  const clients: JobsClient[] = [];
  try {
    const config = identityConfigSchema.parse({
      issuers: [{ issuer: stack.idp.issuer, audience: stack.idp.audience }],
      mappingFile: '/in-memory',
      mapping: [{ rule: 'template', template: '{preferred_username}' }],
      // The rate limit is counted (its cost is part of the door) but never reached.
      rateLimit: { perSecond: 100_000, burst: 1_000_000 },
    });
    const authenticator = new IdentityAuthenticator(config, mappingFileSchema.parse({ accounts: STACK_ACCOUNTS }));
    const first = await authenticator.authenticate(stack.tokens.alice);
    if (!first.ok) throw new Error(`alice's token was refused: ${first.error.message}`);
    const alice: Principal = first.principal;
    const audit = new LoggingAuditSink(quiet);
    const doors: Record<Mode, Door> = {
      on: { authenticator, audit },
      off: { authenticator: { authenticate: () => Promise.resolve({ ok: true, principal: alice }) }, audit },
    };
    const addresses = {} as Record<Mode, string>;
    for (const mode of ['on', 'off'] as const) {
      const host = new GrpcServerHost({
        address: '127.0.0.1:0',
        protoDir: join(WORKSPACE, 'proto'),
        protoFiles: ['cairn/v1/job_service.proto'],
        maxMessageBytes: 2 * 1024 * 1024,
        logger: quiet,
        transport: { plaintext: true },
      });
      const port = await host.start([
        jobsBinding({ nats, logger: quiet, defaultSite: stack.site, watchLimiter: new WatchLimiter({ perClient: 64, total: 1024 }), door: doors[mode] }),
      ]);
      hosts.push(host);
      addresses[mode] = `127.0.0.1:${port}`;
    }
    const client = {} as Record<Mode, JobsClient>;
    for (const mode of ['on', 'off'] as const) {
      client[mode] = new JobsClient(addresses[mode], { token: stack.tokens.alice });
      clients.push(client[mode]);
    }
    const spec = pb.JobSpec.fromPartial({ name: 'bench-auth', image: 'lab/busybox:1.36', command: ['/bin/true'], resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 } });
    const submit = async (mode: Mode) => (await client[mode].submitJob(pb.SubmitJobRequest.fromPartial({ spec }))).job;
    log('warm-up: one job through each gateway (the first pins and converts the image), JWKS fetched');
    const warm = (await submit('on'))?.jobId ?? '';
    await submit('off');
    for (const mode of ['on', 'off'] as const) await measureCalls(200, CONCURRENCY, () => client[mode].getJob(warm));
    log('stopping the agent: the measured jobs are stored by the scheduler and never reach Slurm');
    await stack.services.agent.kill('SIGTERM');

    const results: Record<Kind, Record<Mode, { latencies: number[]; seconds: number; calls: number }>> = {
      GetJob: { on: { latencies: [], seconds: 0, calls: 0 }, off: { latencies: [], seconds: 0, calls: 0 } },
      SubmitJob: { on: { latencies: [], seconds: 0, calls: 0 }, off: { latencies: [], seconds: 0, calls: 0 } },
    };
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const mode of round % 2 === 1 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
        log(`round ${round}/${ROUNDS}, auth ${mode}: ${CALLS} GetJob, ${SUBMITS} SubmitJob, ${CONCURRENCY} in flight`);
        const get = await measureCalls(CALLS, CONCURRENCY, () => client[mode].getJob(warm));
        const sub = await measureCalls(SUBMITS, CONCURRENCY, () => submit(mode));
        for (const [kind, measured, calls] of [['GetJob', get, CALLS], ['SubmitJob', sub, SUBMITS]] as const) {
          const into = results[kind][mode];
          into.latencies.push(...measured.latencies);
          into.seconds += measured.seconds;
          into.calls += calls;
        }
      }
    }

    const lines = [
      `## Authentication on/off (${ROUNDS} rounds, ${CONCURRENCY} calls in flight)`,
      '',
      '| call | auth | calls | throughput (calls/s) | p50 (ms) | p99 (ms) |',
      '| --- | --- | ---: | ---: | ---: | ---: |',
    ];
    const cost: string[] = [];
    for (const kind of ['GetJob', 'SubmitJob'] as const) {
      const row = (mode: Mode) => {
        const r = results[kind][mode];
        return { throughput: r.calls / r.seconds, p50: quantile(r.latencies, 0.5), p99: quantile(r.latencies, 0.99), calls: r.calls };
      };
      const on = row('on');
      const off = row('off');
      for (const [mode, r] of [['on', on], ['off', off]] as const) lines.push(`| ${kind} | ${mode} | ${r.calls} | ${fmt(r.throughput, 0)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} |`);
      cost.push(
        `- ${kind}: throughput with/without authentication ${fmt(on.throughput / off.throughput, 3)}; p50 ${fmt(on.p50, 2)} vs ${fmt(off.p50, 2)} ms; p99 ${fmt(on.p99, 2)} vs ${fmt(off.p99, 2)} ms`,
      );
    }
    // The door alone, one call at a time: verification with the cached JWKS, mapping, roles, rate limit.
    const DOOR_CALLS = 2000;
    const doorStart = now();
    for (let i = 0; i < DOOR_CALLS; i += 1) await authenticator.authenticate(stack.tokens.alice);
    const doorMicros = ((now() - doorStart) * 1000) / DOOR_CALLS;
    // What a token costs the first time (then it is remembered for up to a minute): jose's check alone.
    const verifier = new TokenVerifier(config.issuers);
    await verifier.verify(stack.tokens.alice);
    const verifyStart = now();
    for (let i = 0; i < DOOR_CALLS; i += 1) await verifier.verify(stack.tokens.alice);
    const verifyMicros = ((now() - verifyStart) * 1000) / DOOR_CALLS;
    cost.push(`- the door alone, one call at a time: ${fmt(doorMicros, 0)} µs per call for a token it has seen (IdentityAuthenticator.authenticate); ${fmt(verifyMicros, 0)} µs to verify a token (TokenVerifier.verify: signature with the cached JWKS, claims)`);
    process.stdout.write(`${[...lines, '', ...cost, ''].join('\n')}\n`);
  } finally {
    for (const each of clients) each.close();
    for (const host of hosts) await host.stop(1000);
    await nats.close();
    await stack.stop();
  }
}

runMain(main);
