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
 * alternate which concurrency goes first; with `--request-ids both`, each round measures
 * submissions without a request id and with a new one each (as api-load's carry), in turn. Prints a markdown table (p50, p99, calls/s) to
 * stdout and progress to stderr. It reports numbers; it asserts none.
 */
import { parseArgs } from 'node:util';
import { pb } from '@cairn/contracts';
import { startCairnStack } from '@cairn/testing';
import { fmt, measureCalls, positiveOption, progressLog, quantile, runMain, usageOnHelp } from './bench-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/submit-latency.ts [options]
  --submits N      SubmitJob calls per concurrency and round (default 200)
  --rounds R       rounds (default 2)
  --in-flight LIST calls in flight, comma-separated (default 1,16): rounds alternate their order
  --warm-up N      SubmitJob calls before the measured ones, by bob then carol at the largest
                   calls in flight (default 20; at most 1,998): the services' code is compiled
                   by V8 while it runs, and the first thousand calls after a start pay for that
  --request-ids M  no (default): no request ids; yes: each SubmitJob a new request id (warm-up
                   too); both: the warm-up half and half, each round both kinds in turn`;

const { values: opts } = parseArgs({
  options: {
    submits: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
    'in-flight': { type: 'string', default: '1,16' },
    'warm-up': { type: 'string', default: '20' },
    'request-ids': { type: 'string', default: 'no' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
usageOnHelp(opts.help, USAGE);
const SUBMITS = positiveOption('submits', opts.submits);
const ROUNDS = positiveOption('rounds', opts.rounds);
const IN_FLIGHT = opts['in-flight'].split(',').map((each) => positiveOption('in-flight', each.trim()));
const CONCURRENCY = Math.max(...IN_FLIGHT);
const REQUEST_IDS = opts['request-ids'];
if (REQUEST_IDS !== 'no' && REQUEST_IDS !== 'yes' && REQUEST_IDS !== 'both') throw new Error(`--request-ids ${REQUEST_IDS}: no, yes or both`);
/** The kinds of submission measured: without request ids, with a new one each. */
const KINDS: ('plain' | 'request id')[] = REQUEST_IDS === 'no' ? ['plain'] : REQUEST_IDS === 'yes' ? ['request id'] : ['plain', 'request id'];
const log = progressLog('submit-latency');
// Every measured job stays unfinished (the agent is stopped); one person may have at most this many.
const MAX_ACTIVE_JOBS_PER_PERSON = 1000;
// Warm-up calls are bob's, then carol's (at most 999 each), so alice's limit holds only her first job and the measured ones.
const WARM_UP = positiveOption('warm-up', opts['warm-up']);
if (WARM_UP > 2 * (MAX_ACTIVE_JOBS_PER_PERSON - 1)) throw new Error(`--warm-up ${WARM_UP} is over the ${2 * (MAX_ACTIVE_JOBS_PER_PERSON - 1)} unfinished jobs bob and carol may have`);
if (KINDS.length * IN_FLIGHT.length * SUBMITS * ROUNDS + 1 > MAX_ACTIVE_JOBS_PER_PERSON) {
  throw new Error(`--submits ${SUBMITS} x ${IN_FLIGHT.length} settings x ${KINDS.length} kinds x --rounds ${ROUNDS} (+1 first job) is over the ${MAX_ACTIVE_JOBS_PER_PERSON} unfinished jobs one person may have`);
}

async function main(): Promise<void> {
  log('starting the stack');
  const stack = await startCairnStack();
  try {
    const spec = pb.JobSpec.fromPartial({ name: 'bench-submit', image: 'lab/busybox:1.36', command: ['/bin/true'], resources: { cpus: 1, memoryMb: 64, timeLimitSeconds: 60 } });
    let n = 0;
    const requestId = (kind: (typeof KINDS)[number]) => (kind === 'request id' ? `bench-${process.pid}-${(n += 1)}` : '');
    const submitAs = (client: typeof stack.client, kind: (typeof KINDS)[number]) => () => client.submitJob(pb.SubmitJobRequest.fromPartial({ spec, requestId: requestId(kind) }));
    const submit = submitAs(stack.client, 'plain');
    log('warm-up: one job (pins and converts the image), then the agent is stopped');
    await submit();
    await stack.services.agent.kill('SIGTERM');
    const bobs = Math.min(WARM_UP, MAX_ACTIVE_JOBS_PER_PERSON - 1);
    log(`warm-up: ${WARM_UP} SubmitJob (bob, carol), ${CONCURRENCY} in flight`);
    // The warm-up's kinds as the measured ones: bob's first, carol's last.
    await measureCalls(bobs, CONCURRENCY, submitAs(stack.clients.bob, KINDS[0] ?? 'plain'));
    if (WARM_UP > bobs) await measureCalls(WARM_UP - bobs, CONCURRENCY, submitAs(stack.clients.carol, KINDS[KINDS.length - 1] ?? 'plain'));
    const key = (c: number, kind: string) => `${c} ${kind}`;
    const results = new Map<string, { c: number; kind: string; latencies: number[]; seconds: number }>(IN_FLIGHT.flatMap((c) => KINDS.map((kind) => [key(c, kind), { c, kind, latencies: [], seconds: 0 }])));
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const c of round % 2 === 1 ? IN_FLIGHT : [...IN_FLIGHT].reverse()) {
        for (const kind of round % 2 === 1 ? KINDS : [...KINDS].reverse()) {
          log(`round ${round}/${ROUNDS}: ${SUBMITS} SubmitJob, ${c} in flight, ${kind}`);
          const m = await measureCalls(SUBMITS, c, submitAs(stack.client, kind));
          const into = results.get(key(c, kind));
          if (!into) continue;
          into.latencies.push(...m.latencies);
          into.seconds += m.seconds;
        }
      }
    }
    const lines = ['| in flight | request ids | calls | p50 (ms) | p99 (ms) | calls/s |', '| ---: | --- | ---: | ---: | ---: | ---: |'];
    for (const r of results.values()) {
      lines.push(`| ${r.c} | ${r.kind === 'plain' ? 'none' : 'a new one each'} | ${r.latencies.length} | ${fmt(quantile(r.latencies, 0.5), 1)} | ${fmt(quantile(r.latencies, 0.99), 1)} | ${fmt(r.latencies.length / r.seconds, 0)} |`);
    }
    console.log(lines.join('\n'));
    log(`stack logs: ${stack.dir}`);
  } finally {
    await stack.stop();
  }
}

runMain(main);
