/**
 * Provenance's sustained ingest with nothing else running: a backlog of job and workflow
 * events (workflow runs of `--jobs-per-run` jobs each: the run's submitted event, a step
 * event per job, the job's ACCEPTED with facts, RUNNING and COMPLETED with two hashed
 * outputs, the run's end) already in the real JetStream streams, drained by
 *  - the baseline: a bare durable consume + ack of the same messages (JSON decoded, no
 *    schema, no database), with the adapter's batched consumer;
 *  - Cairn: the provenance service's ingest (ProvenanceIngest: schema checks, mapping,
 *    one PostgreSQL transaction per batch, ack after commit) into a fresh database on the
 *    dev cluster's PostgreSQL server.
 * Events per second from the first message handled to the last one acknowledged, per
 * round; medians and the ratio of the medians. Progress on stderr, markdown on stdout.
 *
 *   node -r ./tools/register.js tools/benchmarks/provenance-ingest.ts --jobs 20000 --rounds 3 --json /tmp/provenance-ingest.json
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connect, type NatsConnection } from 'nats';
import { JetStreamRepository } from '@cairn/adapters/nats';
import { type JobEvent, provenanceConsumers, streams, subjects, type WorkflowEvent } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { GraphStore, openProvenanceDatabase, ProvenanceIngest } from '@cairn/provenance';
import { createTestDatabase, startNats } from '@cairn/testing';
import { fmt, median, now, positiveOption, progressLog, sleep, usageOnHelp } from './bench-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/provenance-ingest.ts [options]
  --jobs N           jobs in the backlog (default 20000; about 5 events each)
  --jobs-per-run N   jobs per workflow run (default 100)
  --rounds N         rounds of baseline then Cairn (default 3)
  --batch N          most events per transaction (CAIRN_PROVENANCE_INGEST_BATCH; default 1000)
  --json FILE        keep every round's numbers`;

const { values: opts } = parseArgs({
  options: {
    jobs: { type: 'string', default: '20000' },
    'jobs-per-run': { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '1000' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
usageOnHelp(opts.help, USAGE);
const JOBS = positiveOption('jobs', opts.jobs);
const PER_RUN = positiveOption('jobs-per-run', opts['jobs-per-run']);
const ROUNDS = positiveOption('rounds', opts.rounds);
const BATCH = positiveOption('batch', opts.batch);
const log = progressLog('provenance-ingest');

const uuid = (kind: number, n: number) => `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const hex = (n: number) => n.toString(16).padStart(64, '0');
const OWNER = { issuer: 'http://127.0.0.1:5556', subject: 'alice', name: 'alice', posixUser: 'alice' };
const DIGEST = `sha256:${'b'.repeat(64)}`;

/** The backlog: per run, its events in the order the scheduler publishes them. */
function backlog(): Array<{ subject: string; data: JobEvent | WorkflowEvent; msgId: string }> {
  const out: Array<{ subject: string; data: JobEvent | WorkflowEvent; msgId: string }> = [];
  const t = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, 0) + s).toISOString();
  for (let r = 0; r * PER_RUN < JOBS; r += 1) {
    const runId = uuid(1, r);
    let seq = 0;
    const run = (body: Omit<WorkflowEvent, 'runId' | 'sequence' | 'time'>) => {
      seq += 1;
      out.push({ subject: subjects.workflowEvents(runId), data: { runId, sequence: seq, time: t(seq), ...body }, msgId: `${runId}:${seq}` });
    };
    run({
      kind: 'run',
      run: { state: 'RUNNING', reason: '' },
      submitted: { name: 'bench', fileName: 'w.yaml', source: 'version: 1\n', sourceSha256: hex(1), params: { n: r }, owner: OWNER, account: 'alice-lab', site: 'dev', images: [{ reference: 'lab/x:1', imageRef: `r@${DIGEST}`, digest: DIGEST }] },
    });
    for (let j = 0; j < PER_RUN && r * PER_RUN + j < JOBS; j += 1) {
      const n = r * PER_RUN + j;
      const jobId = uuid(2, n);
      const key = `s${j}`;
      run({ kind: 'step', step: { key, path: key, iteration: 0, kind: 'run', state: 'RUNNING', attempt: 1, requeues: 0, items: { total: 0, succeeded: 0, failed: 0 }, failedItems: [], jobIds: [jobId], slurmJobIds: [], reason: '' } });
      const base = { jobId, exitCode: null, slurmJobId: '', reason: '' };
      const uses = j > 0 ? [`s${j - 1}/out.dat`] : [];
      const facts = { owner: OWNER, account: 'alice-lab', site: 'dev', name: key, image: 'lab/x:1', imageRef: `r@${DIGEST}`, digest: DIGEST, command: ['run', key], resources: { cpus: 1 }, items: 0, runId, stepDir: key, uses };
      const outputs = [
        { path: 'out.dat', sha256: hex(10 * n + 2), size: 100, kind: 'file' as const },
        { path: 'log.txt', sha256: hex(10 * n + 3), size: 10, kind: 'file' as const },
      ];
      const job = (sequence: number, body: Partial<JobEvent>) =>
        out.push({ subject: subjects.jobEvents(jobId), data: { ...base, sequence, state: 'ACCEPTED', time: t(1000 + sequence), ...body }, msgId: `${jobId}:${sequence}` });
      job(1, { facts });
      job(2, { state: 'RUNNING', slurmJobId: `${n}`, run: { host: 'c1', startTime: t(1002) } });
      job(3, { state: 'COMPLETED', exitCode: 0, slurmJobId: `${n}`, run: { host: 'c1', startTime: t(1002), endTime: t(1003), outputs } });
    }
    run({ kind: 'run', run: { state: 'SUCCEEDED', reason: '' } });
  }
  return out;
}

async function publish(nc: NatsConnection, events: ReturnType<typeof backlog>): Promise<void> {
  const js = new JetStreamRepository(nc);
  for (let i = 0; i < events.length; i += 1000) {
    await Promise.all(events.slice(i, i + 1000).map((e) => js.publish(e.subject, e.data, e.msgId)));
  }
}

const DRAINED = [
  { stream: streams.jobEvents.name, durable: provenanceConsumers.jobEvents },
  { stream: streams.workflowEvents.name, durable: provenanceConsumers.workflowEvents },
  { stream: streams.imageEvents.name, durable: provenanceConsumers.imageEvents },
];

async function deleteConsumers(admin: NatsConnection): Promise<void> {
  const jsm = await admin.jetstreamManager();
  for (const { stream, durable } of DRAINED) await jsm.consumers.delete(stream, durable).catch(() => undefined);
}

/** Waits until `count()` reaches `total`; the seconds from the first message to the last. */
async function drained(total: number, progress: () => { count: number; first?: number; last?: number }): Promise<number> {
  for (;;) {
    const p = progress();
    if (p.count >= total && p.first !== undefined && p.last !== undefined) return (p.last - p.first) / 1000;
    await sleep(20);
  }
}

async function main(): Promise<void> {
  log('starting a private nats-server');
  const nats = await startNats();
  const scheduler = await connect(nats.connectOptionsFor(nats.users.scheduler));
  const provenance = await connect(nats.connectOptionsFor(nats.users.provenance));
  const admin = await connect(nats.connectOptionsFor(nats.tester));
  const rounds: Array<{ baseline: number; cairn: number; transactions: number }> = [];
  try {
    const schedulerJs = new JetStreamRepository(scheduler);
    await schedulerJs.ensureStream(streams.jobEvents);
    await schedulerJs.ensureStream(streams.workflowEvents);
    await new JetStreamRepository(provenance).ensureStream(streams.imageEvents);
    const events = backlog();
    log(`publishing ${events.length} events (${JOBS} jobs, ${Math.ceil(JOBS / PER_RUN)} runs)`);
    await publish(scheduler, events);
    const total = events.length;
    for (let round = 1; round <= ROUNDS; round += 1) {
      // Baseline: the same durable consumers, decode and ack.
      const seen = { count: 0, first: undefined as number | undefined, last: undefined as number | undefined };
      const js = new JetStreamRepository(provenance);
      const stops = await Promise.all(
        DRAINED.slice(0, 2).map(({ stream, durable }) =>
          js.consumeDurableBatches(
            stream,
            durable,
            async (batch) => {
              seen.first ??= now();
              seen.count += batch.length;
              seen.last = now();
            },
            (e) => log(`baseline error: ${String(e)}`),
            { maxBatch: BATCH },
          ),
        ),
      );
      const baseline = total / (await drained(total, () => seen));
      for (const stop of stops) await stop();
      await deleteConsumers(admin);
      log(`round ${round}: baseline ${fmt(baseline)} events/s`);

      // Cairn: the service's ingest into a fresh database.
      const database = await createTestDatabase();
      const logger = createLogger('provenance-bench', 'warn');
      const opened = await openProvenanceDatabase({ databaseUrl: database.url, dataDir: '/nonexistent', logger });
      const recorded = { count: 0, batches: 0, first: undefined as number | undefined, last: undefined as number | undefined };
      class CountingStore extends GraphStore {
        override async record(batch: Parameters<GraphStore['record']>[0]): Promise<number> {
          recorded.first ??= now();
          const n = await super.record(batch);
          recorded.count += batch.length;
          recorded.batches += 1;
          recorded.last = now();
          return n;
        }
      }
      const ingest = new ProvenanceIngest(new JetStreamRepository(provenance), new CountingStore(opened.db), logger, { maxBatch: BATCH });
      ingest.onApplicationBootstrap();
      const cairn = total / (await drained(total, () => recorded));
      await ingest.onModuleDestroy();
      await opened.close();
      await deleteConsumers(admin);
      await database.drop();
      log(`round ${round}: Cairn ${fmt(cairn)} events/s in ${recorded.batches} transactions`);
      rounds.push({ baseline, cairn, transactions: recorded.batches });
    }
    const b = median(rounds.map((r) => r.baseline));
    const c = median(rounds.map((r) => r.cairn));
    const lines = [
      `## Provenance ingest: ${total} events (${JOBS} jobs in runs of ${PER_RUN}), batches of at most ${BATCH}, ${ROUNDS} rounds`,
      '',
      '| | events/s (median) | rounds |',
      '| --- | ---: | --- |',
      `| baseline: bare durable consume + ack | ${fmt(b)} | ${rounds.map((r) => fmt(r.baseline)).join(', ')} |`,
      `| Cairn: provenance ingest into PostgreSQL | ${fmt(c)} | ${rounds.map((r) => fmt(r.cairn)).join(', ')} |`,
      `| ratio Cairn / baseline | ${fmt(c / b, 2)} | |`,
      `| Cairn: events per transaction (mean) | ${fmt(median(rounds.map((r) => total / r.transactions)))} | ${rounds.map((r) => fmt(total / r.transactions)).join(', ')} |`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (opts.json) writeFileSync(opts.json, JSON.stringify({ jobs: JOBS, perRun: PER_RUN, batch: BATCH, events: total, rounds }, null, 2));
  } finally {
    await Promise.all([scheduler, provenance, admin].map((nc) => nc.close()));
    await nats.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`provenance-ingest: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
