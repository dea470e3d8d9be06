/**
 * SubmitJob acknowledgement latency through Cairn's whole stack, at 1 and 16 calls in flight
 * (`--in-flight`).
 *
 *   node -r ./tools/register.js tools/benchmarks/submit-latency.ts --submits 200 --rounds 2
 *
 * One stack (`startCairnStack()`: private NATS, fresh PostgreSQL database, gateway over TLS
 * with the dev IdP's tokens, scheduler, images service, agent). A warm-up job pins and
 * materialises the image; then the agent is stopped, so the measured jobs are stored by the
 * scheduler (the acknowledgement: committed in PostgreSQL) and never reach Slurm. Rounds
 * alternate which concurrency goes first. Prints a markdown table (p50, p99, calls/s) to
 * stdout and progress to stderr. It reports numbers; it asserts none.
 */
import { parseArgs } from 'node:util';
import { pb } from '@cairn/contracts';
import { startCairnStack } from '@cairn/testing';
import { fmt, measureCalls, positiveOption, progressLog, quantile, usageOnHelp } from './bench-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/submit-latency.ts [options]
  --submits N      SubmitJob calls per concurrency and round (default 200)
  --rounds R       rounds (default 2)
  --in-flight LIST calls in flight, comma-separated (default 1,16): rounds alternate their order
  --warm-up N      SubmitJob calls before the measured ones, by bob then carol at the largest
                   calls in flight (default 20; at most 1,998): the services' code is compiled
                   by V8 while it runs, and the first thousand calls after a start pay for that`;

const { values: opts } = parseArgs({
  options: {
    submits: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '1,16' },
    'warm-up': { type: 'string', default: '20' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
usageOnHelp(opts.help, USAGE);
const SUBMITS = positiveOption('submits', opts.submits);
const ROUNDS = positiveOption('rounds', opts.rounds);
const IN_FLIGHT = opts['in-flight'].split(',').map((each) => positiveOption('in-flight', each.trim()));
const CONCURRENCY = Math.max(...IN_FLIGHT);
const log = progressLog('submit-latency');
// Every measured job stays unfinished (the agent is stopped); one person may have at most this many.
const MAX_ACTIVE_JOBS_PER_PERSON = 1000;
// Warm-up calls are bob's, then carol's (at most 999 each), so alice's limit holds only her first job and the measured ones.
const WARM_UP = positiveOption('warm-up', opts['warm-up']);
if (WARM_UP > 2 * (MAX_ACTIVE_JOBS_PER_PERSON - 1)) throw new Error(`--warm-up ${WARM_UP} is over the ${2 * (MAX_ACTIVE_JOBS_PER_PERSON - 1)} unfinished jobs bob and carol may have`);
if (IN_FLIGHT.length * SUBMITS * ROUNDS + 1 > MAX_ACTIVE_JOBS_PER_PERSON) {
  throw new Error(`--submits ${SUBMITS} x ${IN_FLIGHT.length} settings x --rounds ${ROUNDS} (+1 first job) is over the ${MAX_ACTIVE_JOBS_PER_PERSON} unfinished jobs one person may have`);
}

async function main(): Promise<void> {
  log('starting the stack');
  const stack = await startCairnStack();
  try {
    const spec = pb.JobSpec.fromPartial({ name: 'bench-submit', image: 'lab/busybox:1.36', command: ['/bin/true'], resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 } });
    const submit = () => stack.client.submitJob(pb.SubmitJobRequest.fromPartial({ spec }));
    log('warm-up: one job (pins and converts the image), then the agent is stopped');
    await submit();
    await stack.services.agent.kill('SIGTERM');
    const bobs = Math.min(WARM_UP, MAX_ACTIVE_JOBS_PER_PERSON - 1);
    log(`warm-up: ${WARM_UP} SubmitJob (bob, carol), ${CONCURRENCY} in flight`);
    await measureCalls(bobs, CONCURRENCY, () => stack.clients.bob.submitJob(pb.SubmitJobRequest.fromPartial({ spec })));
    if (WARM_UP > bobs) await measureCalls(WARM_UP - bobs, CONCURRENCY, () => stack.clients.carol.submitJob(pb.SubmitJobRequest.fromPartial({ spec })));
    const results = new Map<number, { latencies: number[]; seconds: number }>(IN_FLIGHT.map((c) => [c, { latencies: [], seconds: 0 }]));
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const c of round % 2 === 1 ? IN_FLIGHT : [...IN_FLIGHT].reverse()) {
        log(`round ${round}/${ROUNDS}: ${SUBMITS} SubmitJob, ${c} in flight`);
        const m = await measureCalls(SUBMITS, c, submit);
        const into = results.get(c);
        if (!into) continue;
        into.latencies.push(...m.latencies);
        into.seconds += m.seconds;
      }
    }
    const lines = ['| in flight | calls | p50 (ms) | p99 (ms) | calls/s |', '| ---: | ---: | ---: | ---: | ---: |'];
    for (const [c, r] of results) {
      lines.push(`| ${c} | ${r.latencies.length} | ${fmt(quantile(r.latencies, 0.5), 1)} | ${fmt(quantile(r.latencies, 0.99), 1)} | ${fmt(r.latencies.length / r.seconds, 0)} |`);
    }
    console.log(lines.join('\n'));
    log(`stack logs: ${stack.dir}`);
  } finally {
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
