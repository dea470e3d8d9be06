/**
 * Lineage latency on a generated graph of `--entities` PROV entities (default 1,000,000)
 * in the dev cluster's PostgreSQL (a fresh database, schema provenance, the service's own
 * migrations), answered by the provenance service's query code (ProvenanceQueries over
 * GraphStore, in this process, as alice who owns every run):
 *  - upstream from a file of a run's last step (its jobs, the files they used, back to
 *    the run's first step, the run, its workflow file and parameters, the image);
 *  - downstream from a file of a run's first step (every later job and file that used it);
 *  - upstream from a content hash (the sha256 start);
 * each to max depth 10, one page of at most 1000 nodes; and as the baseline, one indexed
 * read of a node by id through the same store. p50 and p99 of `--samples` random starts
 * (after `--warmup` unmeasured ones), and the ratio of the medians to the baseline's.
 *
 * The graph: `entities / 1000` workflow runs of 10 steps × 20 jobs × 5 output files; each
 * job of a later step used 2 files of the step before it (the files derived from them),
 * every job used one of 20 images; 50 people, 10 workflow files, one site. About 1.2
 * million nodes and 4.1 million relations for a million entities.
 *
 *   node -r ./tools/register.js tools/benchmarks/provenance-lineage.ts --entities 1000000 --json /tmp/provenance-lineage.json
 *   (--keep leaves the database and prints its URL; --reuse URL measures one generated before)
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Insertable } from '@cairn/adapters/postgres';
import type { LineageQuery } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import { GraphStore, openProvenanceDatabase, ProvenanceQueries, type ProvenanceDb } from '@cairn/provenance';
import { createTestDatabase, principals } from '@cairn/testing';
import { fmt, now, positiveOption, progressLog, quantile, usageOnHelp } from './bench-kit';

const USAGE = `usage: node -r ./tools/register.js tools/benchmarks/provenance-lineage.ts [options]
  --entities N   PROV entities in the generated graph (default 1000000)
  --samples N    measured queries of each kind (default 300)
  --warmup N     unmeasured queries first (default 30)
  --keep         leave the generated database (prints its URL)
  --reuse URL    measure a database generated before with --keep
  --json FILE    keep every latency`;

const { values: opts } = parseArgs({
  options: {
    entities: { type: 'string', default: '1000000' },
    samples: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
usageOnHelp(opts.help, USAGE);
const ENTITIES = positiveOption('entities', opts.entities);
const SAMPLES = positiveOption('samples', opts.samples);
const WARMUP = positiveOption('warmup', opts.warmup);
const log = progressLog('provenance-lineage');

const STEPS = 10;
const JOBS = 20;
const FILES = 5;
const PER_RUN = STEPS * JOBS * FILES;
const RUNS = Math.max(1, Math.round(ENTITIES / PER_RUN));
const IMAGES = 20;
const PEOPLE = 50;
const WORKFLOWS = 10;
const ALICE = principals.alice;

const uuid = (kind: number, n: number) => `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const hex = (n: number) => n.toString(16).padStart(64, '0');
const image = (i: number) => `image:sha256:${hex(1_000_000_000 + i)}`;
const fileOf = (run: string, step: number, job: number, file: number) => `file:${run}/s${step}/j${job}/f${file}`;
const shaOf = (r: number, step: number, job: number, file: number) => hex(((r * STEPS + step) * JOBS + job) * FILES + file + 1);

type NodeRow = Insertable<ProvenanceDb['prov_nodes']>;
type EdgeRow = Insertable<ProvenanceDb['prov_edges']>;

function node(id: string, type: string, runId: string, attributes: Record<string, string>): NodeRow {
  return { id, type, run_id: runId, run_sure: true, attributes: JSON.stringify(attributes), attribute_keys: JSON.stringify(Object.fromEntries(Object.keys(attributes).map((k) => [k, 0]))) };
}
const edge = (relation: string, from: string, to: string, runId: string, attributes: Record<string, string> = {}): EdgeRow => ({ relation, from_id: from, to_id: to, run_id: runId, attributes: JSON.stringify(attributes) });

/** One run's nodes and relations. */
function runRows(r: number): { nodes: NodeRow[]; edges: EdgeRow[] } {
  const runId = uuid(1, r);
  const run = `run:${runId}`;
  const person = `person:${ALICE.issuer}#${r % PEOPLE === 0 ? ALICE.subject : `p${r % PEOPLE}`}`;
  const workflow = `workflow:${hex(2_000_000_000 + (r % WORKFLOWS))}`;
  const params = `params:${runId}`;
  const nodes: NodeRow[] = [node(run, 'run', runId, { name: `bench-${r}`, state: 'SUCCEEDED', account: 'alice-lab' }), node(params, 'params', runId, { 'param.n': String(r) })];
  const edges: EdgeRow[] = [
    edge('used', run, params, runId, { role: 'params' }),
    edge('used', run, workflow, runId, { role: 'plan' }),
    edge('wasAssociatedWith', run, workflow, runId, { role: 'plan' }),
    edge('wasAssociatedWith', run, person, runId, { role: 'owner' }),
  ];
  for (let s = 0; s < STEPS; s += 1) {
    const step = `step:${runId}/s${s}`;
    nodes.push(node(step, 'step', runId, { path: `s${s}`, state: 'SUCCEEDED' }));
    edges.push(edge('partOf', step, run, runId));
    for (let j = 0; j < JOBS; j += 1) {
      const jobId = uuid(2, (r * STEPS + s) * JOBS + j);
      const job = `job:${jobId}`;
      nodes.push(node(job, 'job', runId, { name: `s${s}`, state: 'COMPLETED', exit_code: '0', host: 'c1' }));
      edges.push(edge('partOf', job, step, runId), edge('used', job, image((r + s + j) % IMAGES), runId, { role: 'image' }), edge('wasAssociatedWith', job, person, runId, { role: 'owner' }), edge('wasAssociatedWith', job, 'site:dev', runId, { role: 'site' }));
      const used = s === 0 ? [] : [fileOf(runId, s - 1, j, 0), fileOf(runId, s - 1, (j + 1) % JOBS, 0)];
      for (const u of used) edges.push(edge('used', job, u, runId, { role: 'input' }));
      for (let f = 0; f < FILES; f += 1) {
        const file = fileOf(runId, s, j, f);
        const sha = shaOf(r, s, j, f);
        nodes.push(node(file, 'file', runId, { path: `s${s}/j${j}/f${f}`, sha256: sha, size: '1000', kind: 'file' }));
        edges.push(edge('wasGeneratedBy', file, job, runId, { role: 'output', name: `f${f}` }));
        for (const u of used) edges.push(edge('wasDerivedFrom', file, u, runId));
      }
    }
  }
  return { nodes, edges };
}

async function generate(store: { db: import('@cairn/adapters/postgres').Kysely<ProvenanceDb> }): Promise<void> {
  const { db } = store;
  const shared: NodeRow[] = [node('site:dev', 'site', '', { site: 'dev' })];
  for (let i = 0; i < IMAGES; i += 1) shared.push(node(image(i), 'image', '', { digest: image(i).slice('image:'.length), reference: `lab/img-${i}:1` }));
  for (let i = 0; i < PEOPLE; i += 1) shared.push(node(`person:${ALICE.issuer}#${i === 0 ? ALICE.subject : `p${i}`}`, 'person', '', { name: `p${i}` }));
  for (let i = 0; i < WORKFLOWS; i += 1) shared.push(node(`workflow:${hex(2_000_000_000 + i)}`, 'workflow-file', '', { sha256: hex(2_000_000_000 + i) }));
  await db.insertInto('prov_nodes').values(shared).execute();
  const started = now();
  for (let r = 0; r < RUNS; r += 1) {
    const { nodes, edges } = runRows(r);
    await db.transaction().execute(async (tx) => {
      for (let i = 0; i < nodes.length; i += 1000) await tx.insertInto('prov_nodes').values(nodes.slice(i, i + 1000)).execute();
      for (let i = 0; i < edges.length; i += 1000) await tx.insertInto('prov_edges').values(edges.slice(i, i + 1000)).execute();
      const runId = uuid(1, r);
      const person = r % PEOPLE === 0 ? ALICE.subject : `p${r % PEOPLE}`;
      // Every run charged to genomics: alice sees them all (her own, and the others' as the account's member).
      await tx.insertInto('prov_runs').values({ run_id: runId, kind: 'workflow', owner_issuer: ALICE.issuer, owner_subject: person, owner_name: person, account: 'genomics', state: 'SUCCEEDED', state_key: 1, final: true }).execute();
    });
    if ((r + 1) % 50 === 0) log(`generated ${r + 1}/${RUNS} runs (${fmt(((r + 1) * PER_RUN) / ((now() - started) / 1000))} entities/s)`);
  }
}

const stat = (values: number[]) => ({ p50: quantile(values, 0.5), p99: quantile(values, 0.99), max: Math.max(...values) });

async function main(): Promise<void> {
  const logger = createLogger('provenance-lineage', 'warn');
  const database = opts.reuse ? { url: opts.reuse, drop: async () => undefined } : await createTestDatabase();
  const opened = await openProvenanceDatabase({ databaseUrl: database.url, dataDir: '/nonexistent', logger });
  try {
    if (!opts.reuse) {
      log(`generating ${RUNS} runs (${RUNS * PER_RUN} file entities)`);
      // Inserted over minutes, one run a transaction: autovacuum gathers the tables' statistics meanwhile, as in service.
      await generate(opened);
    }
    const counts = await opened.db
      .selectFrom('prov_nodes')
      .select((eb) => [eb.fn.countAll<string>().as('nodes'), eb.fn.count<string>('sha256').as('files')])
      .executeTakeFirstOrThrow();
    const edgesCount = await opened.db.selectFrom('prov_edges').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const entities = await opened.db.selectFrom('prov_nodes').select((eb) => eb.fn.countAll<string>().as('n')).where('type', 'in', ['file', 'params', 'image', 'workflow-file', 'decision']).executeTakeFirstOrThrow();
    log(`graph: ${counts.nodes} nodes (${entities.n} entities), ${edgesCount.n} relations`);
    const store = new GraphStore(opened.db);
    const queries = new ProvenanceQueries(store);
    const runs = Math.round(Number(counts.files) / PER_RUN);
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const caller = { caller: ALICE };
    const kinds: Record<string, () => Promise<unknown>> = {
      'baseline: one node by id': () => store.nodes([fileOf(uuid(1, random(runs)), random(STEPS), random(JOBS), random(FILES))]),
      'upstream from a last-step file, depth 10': () =>
        queries.lineage({ ...caller, start: { nodeId: fileOf(uuid(1, random(runs)), STEPS - 1, random(JOBS), random(FILES)) }, direction: 'upstream', maxDepth: 10, pageSize: 1000 } satisfies LineageQuery),
      'downstream from a first-step file, depth 10': () =>
        queries.lineage({ ...caller, start: { nodeId: fileOf(uuid(1, random(runs)), 0, random(JOBS), 0) }, direction: 'downstream', maxDepth: 10, pageSize: 1000 }),
      'upstream from a sha256, depth 10': () => queries.lineage({ ...caller, start: { sha256: shaOf(random(runs), STEPS - 1, random(JOBS), random(FILES)) }, direction: 'upstream', maxDepth: 10, pageSize: 1000 }),
    };
    const results: Record<string, { p50: number; p99: number; max: number; nodes: number }> = {};
    const latencies: Record<string, number[]> = {};
    for (const [name, query] of Object.entries(kinds)) {
      for (let i = 0; i < WARMUP; i += 1) await query();
      const times: number[] = [];
      let nodes = 0;
      for (let i = 0; i < SAMPLES; i += 1) {
        const t = now();
        const reply = await query();
        times.push(now() - t);
        if (reply && typeof reply === 'object' && 'nodes' in reply && Array.isArray(reply.nodes)) nodes += reply.nodes.length;
        else if (Array.isArray(reply)) nodes += reply.length;
      }
      latencies[name] = times;
      results[name] = { ...stat(times), nodes: nodes / SAMPLES };
      log(`${name}: p50 ${fmt(results[name].p50, 1)} ms, p99 ${fmt(results[name].p99, 1)} ms`);
    }
    const base = results['baseline: one node by id']?.p50 ?? NaN;
    const lines = [
      `## Lineage on ${counts.nodes} nodes (${entities.n} entities), ${edgesCount.n} relations; ${SAMPLES} queries each`,
      '',
      '| query | nodes answered (mean) | p50 ms | p99 ms | max ms | p50 ÷ baseline p50 |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      ...Object.entries(results).map(([name, r]) => `| ${name} | ${fmt(r.nodes, 1)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.max, 1)} | ${fmt(r.p50 / base, 1)} |`),
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (opts.json) writeFileSync(opts.json, JSON.stringify({ entities: ENTITIES, runs, results, latencies }, null, 2));
  } finally {
    await opened.close();
    if (opts.keep && !opts.reuse) log(`kept the database: --reuse ${database.url}`);
    else if (!opts.reuse) await database.drop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`provenance-lineage: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
