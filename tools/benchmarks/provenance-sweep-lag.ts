/**
 * Provenance's ingest lag under a real sweep: examples/parameter-sweep (10,000 items of
 * simulate.py by default) through a whole stack (startCairnStack: gateway, scheduler,
 * images, provenance, agent, real Slurm and ch-run), while the script follows the job and
 * workflow event streams and samples the provenance service's durable consumers.
 *
 *   node -r ./tools/register.js tools/benchmarks/provenance-sweep-lag.ts --items 10000 --json /tmp/provenance-sweep-lag.json
 *
 * For every event of the run and its jobs it reports:
 *  - publication (the baseline): the scheduler's own event publication, from the time the
 *    scheduler wrote into the event (`time`, when it recorded the change) to the time the
 *    stream stored it (the JetStream message timestamp);
 *  - ingest lag: from the stream's timestamp to the first sample that finds the event
 *    acknowledged by provenance's durable consumer (ack floor at or past its stream
 *    sequence). Provenance acknowledges a batch only after its transaction committed, so
 *    this is "published → recorded in PostgreSQL", to within one sampling interval.
 * and, per sample, how many events provenance trails by (pending + unacknowledged).
 * Median, p99 and max; the ratio of the medians. Prints markdown to stdout, progress to
 * stderr. It reports numbers and asserts none. Needs the dev cluster and root.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { consumerOpts, type JsMsg, type NatsConnection } from 'nats';
import { connectNats } from '@cairn/adapters/nats';
import { ProvenanceClient, WorkflowsClient } from '@cairn/client';
import { natsInboxPrefix, pb, provenanceConsumers, streams } from '@cairn/contracts';
import { type NatsUser, startCairnStack, WORKSPACE } from '@cairn/testing';
import { fmt, positiveOption, progressLog, quantile, runMain, sleep, usageOnHelp } from './bench-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/provenance-sweep-lag.ts [options]
  --items N        items of the sweep (default 10000, the example's own size)
  --sample-ms MS   how often the consumers are sampled (default 50)
  --timeout-s S    give up on the run after S seconds (default 3600)
  --json FILE      keep every measurement (per event, per sample)`;

const { values: opts } = parseArgs({
  options: {
    items: { type: 'string', default: '10000' },
    'sample-ms': { type: 'string', default: '50' },
    'timeout-s': { type: 'string', default: '3600' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
usageOnHelp(opts.help, USAGE);
const ITEMS = positiveOption('items', opts.items);
const SAMPLE_MS = positiveOption('sample-ms', opts['sample-ms']);
const TIMEOUT_MS = positiveOption('timeout-s', opts['timeout-s']) * 1000;
const log = progressLog('provenance-sweep-lag');

const RECORDED = [
  { stream: streams.jobEvents.name, subject: 'cairn.jobs.events.>', durable: provenanceConsumers.jobEvents },
  { stream: streams.workflowEvents.name, subject: 'cairn.workflows.events.>', durable: provenanceConsumers.workflowEvents },
] as const;
type StreamName = (typeof RECORDED)[number]['stream'];

/** The benchmark's NATS user: follows the two event streams, reads provenance's consumer info. */
function benchUser(): NatsUser {
  const user = 'provenance-bench';
  const api = '$JS.API';
  return {
    user,
    password: randomBytes(24).toString('base64url'),
    permissions: {
      publish: {
        allow: [
          `${api}.INFO`,
          `${api}.STREAM.NAMES`,
          ...RECORDED.flatMap(({ stream, durable }) => [
            `${api}.CONSUMER.CREATE.${stream}`,
            `${api}.CONSUMER.CREATE.${stream}.>`,
            `${api}.CONSUMER.DELETE.${stream}.>`,
            `${api}.CONSUMER.INFO.${stream}.${durable}`,
          ]),
        ],
        deny: [],
      },
      subscribe: { allow: [`${natsInboxPrefix(user)}.>`], deny: [] },
      allowResponses: true,
    },
  };
}

interface EventMark {
  stream: StreamName;
  seq: number;
  /** When the scheduler recorded the change (the event's `time`), ms since the epoch. */
  recorded: number;
  /** When the stream stored it. */
  stored: number;
  /** When provenance's consumer was first seen past it. */
  ingested?: number;
}

interface Sample {
  t: number;
  ackFloor: Record<StreamName, number>;
  behind: number;
}

/** Follows a stream from now on with an ordered push consumer; marks each message. */
async function follow(nc: NatsConnection, stream: StreamName, subject: string, marks: EventMark[], signal: AbortSignal): Promise<void> {
  const js = nc.jetstream();
  const options = consumerOpts();
  options.orderedConsumer();
  options.deliverNew();
  const sub = await js.subscribe(subject, options);
  signal.addEventListener('abort', () => sub.unsubscribe(), { once: true });
  for await (const msg of sub as AsyncIterable<JsMsg>) {
    const event = JSON.parse(Buffer.from(msg.data).toString('utf8')) as { time?: string };
    marks.push({ stream, seq: msg.info.streamSequence, recorded: Date.parse(event.time ?? ''), stored: msg.info.timestampNanos / 1_000_000 });
  }
}

const stat = (values: number[]) =>
  values.length === 0 ? { n: 0, median: NaN, p99: NaN, max: NaN } : { n: values.length, median: quantile(values, 0.5), p99: quantile(values, 0.99), max: Math.max(...values) };

async function main(): Promise<void> {
  const tester = benchUser();
  log('starting the stack');
  const stack = await startCairnStack({ natsUsers: [tester] });
  const nc = await connectNats({ ...stack.nats.clientFor(tester), name: 'provenance-sweep-lag' });
  const flows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions('alice'));
  const prov = new ProvenanceClient(stack.grpcAddress, stack.clientOptions('alice'));
  const abort = new AbortController();
  const marks: EventMark[] = [];
  const samples: Sample[] = [];
  try {
    const jsm = await nc.jetstreamManager();
    const following = RECORDED.map((r) => follow(nc, r.stream, r.subject, marks, abort.signal));
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const t = Date.now();
        const infos = await Promise.all(RECORDED.map((r) => jsm.consumers.info(r.stream, r.durable)));
        samples.push({
          t,
          ackFloor: Object.fromEntries(RECORDED.map((r, i) => [r.stream, infos[i]?.ack_floor.stream_seq ?? 0])) as Record<StreamName, number>,
          behind: infos.reduce((n, i) => n + i.num_pending + i.num_ack_pending, 0),
        });
        await sleep(SAMPLE_MS - (Date.now() - t));
      }
    })();

    const example = readFileSync(join(WORKSPACE, 'examples', 'parameter-sweep', 'workflow.yaml'), 'utf8');
    const range = 'range: { from: 0, to: 9999 }';
    if (!example.includes(range)) throw new Error(`examples/parameter-sweep/workflow.yaml no longer holds ${range}`);
    const source = example.replace(range, `range: { from: 0, to: ${ITEMS - 1} }`);
    const t0 = Date.now();
    const { workflow } = await flows.submitWorkflow({ source, fileName: 'parameter-sweep.yaml', requestId: '' });
    const runId = workflow?.runId ?? '';
    log(`run ${runId}: ${ITEMS} items`);
    let record: pb.Workflow;
    for (;;) {
      record = await flows.getWorkflow(runId);
      if (record.state !== pb.WorkflowState.WORKFLOW_STATE_RUNNING) break;
      if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`run ${runId} still running after ${TIMEOUT_MS / 1000} s`);
      await sleep(2000);
    }
    const tEnd = Date.now();
    log(`run ${runId} ${pb.WorkflowState[record.state]} after ${((tEnd - t0) / 1000).toFixed(1)} s; waiting for provenance to catch up`);
    // Until provenance has recorded everything and says so.
    let graph = await prov.getRunGraph(runId, { pageSize: 5000 }).catch(() => undefined);
    while (!graph?.complete) {
      if (Date.now() - tEnd > 600_000) throw new Error('provenance did not complete the run within 10 minutes of its end');
      await sleep(500);
      graph = await prov.getRunGraph(runId, { pageSize: 5000 }).catch(() => undefined);
    }
    const tComplete = Date.now();
    await sleep(4 * SAMPLE_MS);
    sampling = false;
    await sampler;
    abort.abort();
    await Promise.allSettled(following);

    for (const mark of marks) {
      mark.ingested = samples.find((s) => s.ackFloor[mark.stream] >= mark.seq)?.t;
    }
    const publication = marks.filter((m) => Number.isFinite(m.recorded)).map((m) => m.stored - m.recorded);
    const ingest = marks.filter((m) => m.ingested !== undefined).map((m) => (m.ingested as number) - m.stored);
    const behind = samples.filter((s) => s.t >= t0 && s.t <= tComplete).map((s) => s.behind);
    const span = marks.length > 0 ? (Math.max(...marks.map((m) => m.stored)) - Math.min(...marks.map((m) => m.stored))) / 1000 : 0;
    const p = stat(publication);
    const i = stat(ingest);
    const b = stat(behind);
    const byStream = (stream: StreamName) => marks.filter((m) => m.stream === stream).length;
    const out = [
      `## Provenance ingest lag: ${ITEMS}-item parameter sweep`,
      '',
      `run ${runId}: ${pb.WorkflowState[record.state]} in ${fmt((tEnd - t0) / 1000, 1)} s; provenance complete ${fmt((tComplete - tEnd) / 1000, 1)} s after the run ended; ${graph.nodes.length} nodes, ${graph.edges.length} relations`,
      `events: ${marks.length} (${byStream(streams.jobEvents.name)} job, ${byStream(streams.workflowEvents.name)} workflow) over ${fmt(span, 1)} s; ${samples.length} samples every ${SAMPLE_MS} ms`,
      '',
      '| per event (ms) | n | median | p99 | max |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| baseline: scheduler records → stream stores (publication) | ${p.n} | ${fmt(p.median, 1)} | ${fmt(p.p99, 1)} | ${fmt(p.max, 1)} |`,
      `| provenance: stream stores → recorded and acknowledged (ingest lag, ±${SAMPLE_MS} ms) | ${i.n} | ${fmt(i.median, 1)} | ${fmt(i.p99, 1)} | ${fmt(i.max, 1)} |`,
      `| ratio of medians, ingest ÷ publication | | ${fmt(i.median / p.median, 2)}× | | |`,
      '',
      `events provenance trailed by, per sample while the run ran: median ${fmt(b.median)}, p99 ${fmt(b.p99)}, max ${fmt(b.max)}`,
    ].join('\n');
    process.stdout.write(`${out}\n`);
    if (opts.json) writeFileSync(opts.json, JSON.stringify({ runId, items: ITEMS, sampleMs: SAMPLE_MS, t0, tEnd, tComplete, marks, samples }, null, 1));
  } finally {
    abort.abort();
    await nc.close();
    flows.close();
    prov.close();
    await stack.stop();
  }
}

runMain(main);
