import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, JetStreamRepository, type NatsConnection } from '@cairn/adapters/nats';
import { jobEventSchema, pb, streams, subjects, type JobEvent, type WorkflowEvent, workflowEventSchema } from '@cairn/contracts';
import { type JobsClient, ProvenanceClient, WorkflowsClient } from '@cairn/client';
import { type CairnStack, startCairnStack } from '@cairn/testing';
import { provRoundTrip, unzipEntries, validateCrate, validateProvJson } from '@cairn/provenance-export/validate';
import {
  completeGraph,
  deleteProvenanceConsumers,
  digestOf,
  edgeKey,
  eventsOn,
  exportRun,
  type Graph,
  hashOnDisk,
  ids,
  ledger,
  jobNamesOf,
  lineage,
  normalised,
  provenanceCaughtUp,
  provenanceTester,
  refusal,
  repeated,
  runGraph,
  sha256,
} from './provenance-helpers';
import { ended, runState, startRun, stepOf, waitForRun } from './workflow-helpers';

const example = (name: string) => readFileSync(join(__dirname, '..', '..', 'examples', name, 'workflow.yaml'), 'utf8');

/** Replaces one exact piece of an example file, failing loudly if the example changed. */
function edit(source: string, from: string, to: string): string {
  if (!source.includes(from)) throw new Error(`the example no longer contains ${JSON.stringify(from)}`);
  return source.replace(from, to);
}

/** examples/parameter-sweep with 20 items and a parameter (the Monte Carlo samples), so a re-run can change it. */
const SWEEP_ITEMS = 20;
const SWEEP = [
  ['range: { from: 0, to: 9999 }', `range: { from: 0, to: ${SWEEP_ITEMS - 1} }`],
  ['command: [python3, /app/parameter-sweep/simulate.py, --seed, "${{ item }}"]', 'command: [python3, /app/parameter-sweep/simulate.py, --seed, "${{ item }}", --samples, "${{ params.samples }}"]'],
  ['\nsteps:\n', '\nparams:\n  samples: 2000\nsteps:\n'],
].reduce((source, [from, to]) => edit(source, from as string, to as string), example('parameter-sweep'));
const AL = example('active-learning');

const byId = (graph: { nodes: pb.ProvNode[] }) => new Map(graph.nodes.map((n) => [n.id, n]));
const has = (graph: Graph, relation: string, from: string, to: string) => graph.edges.some((e) => e.relation === relation && e.from === from && e.to === to);
const outgoing = (graph: Graph, from: string, relation: string) => graph.edges.filter((e) => e.from === from && e.relation === relation).map((e) => e.to);

describe('provenance end to end [real: gateway, scheduler, images, provenance, agent, nats-server, PostgreSQL, registry, slurmctld, slurmd, ch-run, lab/cairn-examples:1, python3-prov]', () => {
  let stack: CairnStack;
  let flows: WorkflowsClient;
  let jobs: JobsClient;
  const prov = {} as Record<'alice' | 'bob' | 'carol', ProvenanceClient>;
  let nc: NatsConnection;
  const tester = provenanceTester('provenance-e2e');
  const runDir = (runId: string, ...rest: string[]) => join(stack.dir, 'agent', 'runs', runId, ...rest);

  // The runs every test looks at, started once (concurrently) and awaited where needed.
  const started: Record<string, Promise<string>> = {};
  const finished = new Map<string, Promise<pb.Workflow>>();
  const finish = (runId: string) => {
    if (!finished.has(runId)) finished.set(runId, waitForRun(flows, runId, ended, 600_000));
    return finished.get(runId) as Promise<pb.Workflow>;
  };
  const run = async (name: 'sweep' | 'al'): Promise<{ runId: string; record: pb.Workflow; graph: Graph }> => {
    const runId = await (started[name] as Promise<string>);
    const record = await finish(runId);
    expect(runState(record.state)).toBe('SUCCEEDED');
    return { runId, record, graph: await completeGraph(prov.alice, runId) };
  };

  beforeAll(async () => {
    stack = await startCairnStack({ natsUsers: [tester] });
    flows = new WorkflowsClient(stack.grpcAddress, stack.clientOptions('alice'));
    jobs = stack.clients.alice;
    for (const person of ['alice', 'bob', 'carol'] as const) prov[person] = new ProvenanceClient(stack.grpcAddress, stack.clientOptions(person));
    nc = await connectNats({ ...stack.nats.clientFor(tester), name: 'provenance-e2e' });
    started['sweep'] = startRun(flows, SWEEP, 'parameter-sweep.yaml');
    started['al'] = startRun(flows, AL, 'active-learning.yaml');
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    flows?.close();
    for (const client of Object.values(prov)) client.close();
    await stack?.stop();
  });

  /** Every event of the run and of each of its jobs, read from the streams as published. */
  async function eventsOf(record: pb.Workflow): Promise<{ runEvents: WorkflowEvent[]; jobEvents: Map<string, JobEvent[]> }> {
    const runEvents = (await eventsOn(nc, streams.workflowEvents.name, subjects.workflowEvents(record.runId))).map((e) => workflowEventSchema.parse(e));
    const jobEvents = new Map<string, JobEvent[]>();
    for (const job of record.steps.flatMap((s) => s.jobIds)) {
      jobEvents.set(job, (await eventsOn(nc, streams.jobEvents.name, subjects.jobEvents(job))).map((e) => jobEventSchema.parse(e)));
    }
    return { runEvents, jobEvents };
  }

  /**
   * The checks every run's graph passes: each event has its node, each node its links, the
   * graph agrees with GetWorkflow/GetJob, and every file's hash is the file's on disk.
   */
  async function checkComplete(runId: string, record: pb.Workflow, graph: Graph, source: string | undefined): Promise<void> {
    const nodes = byId(graph);
    const need = (id: string) => {
      const node = nodes.get(id);
      if (!node) throw new Error(`no node ${id} in run ${runId}'s graph (it has ${graph.nodes.length} nodes)`);
      return node;
    };
    // Nothing twice, and every relation between nodes the graph holds (a re-run's run → run aside).
    expect(repeated(graph.nodes.map((n) => n.id))).toEqual([]);
    expect(repeated(graph.edges.map(edgeKey))).toEqual([]);
    const dangling = graph.edges.filter((e) => !nodes.has(e.from) || (!nodes.has(e.to) && !(e.relation === 'wasDerivedFrom' && e.to.startsWith('run:'))));
    expect(dangling.map(edgeKey)).toEqual([]);

    // The run: its person, file and parameters.
    const owner = record.owner as pb.Owner;
    const runNode = need(ids.run(runId));
    expect(runNode.attributes['state']).toBe('SUCCEEDED');
    expect(runNode.attributes['account']).toBe(record.account);
    expect(runNode.attributes['site']).toBe(record.site);
    const person = need(ids.person(owner));
    expect(person.attributes['posix_user']).toBe(owner.posixUser);
    expect(has(graph, 'wasAssociatedWith', ids.run(runId), ids.person(owner))).toBe(true);
    // Every event has its node.
    const { runEvents, jobEvents } = await eventsOf(record);
    expect(runEvents.length).toBeGreaterThan(0);
    const submitted = runEvents.find((e) => e.submitted)?.submitted;
    // A re-run's file is the recorded one rewritten (every image pinned): its hash is the one submitted.
    const sourceSha = source === undefined ? (submitted?.sourceSha256 ?? '') : sha256(source);
    expect(submitted?.sourceSha256).toBe(sourceSha);
    if (submitted) expect(sha256(submitted.source)).toBe(sourceSha);
    const file = need(ids.workflow(sourceSha));
    expect(file.attributes['sha256']).toBe(sourceSha);
    expect(has(graph, 'used', ids.run(runId), file.id) || has(graph, 'wasAssociatedWith', ids.run(runId), file.id)).toBe(true);
    need(ids.params(runId));
    expect(has(graph, 'used', ids.run(runId), ids.params(runId))).toBe(true);
    for (const [name, value] of Object.entries(submitted?.params ?? {})) expect([name, need(ids.params(runId)).attributes[`param.${name}`]]).toEqual([name, JSON.stringify(value)]);
    for (const image of submitted?.images ?? []) need(ids.image(image.digest));
    for (const event of runEvents) {
      if (event.step) expect(need(ids.step(runId, event.step.key)).type).toBe('step');
      if (event.iteration) expect(need(ids.iteration(runId, event.iteration.loop, event.iteration.iteration)).type).toBe('iteration');
      for (const item of event.items?.items ?? []) {
        const node = need(ids.item(runId, event.items?.stepKey ?? '', item.index));
        expect(node.attributes['exit_code']).toBe(String(item.exitCode));
        expect(has(graph, 'partOf', node.id, ids.step(runId, event.items?.stepKey ?? ''))).toBe(true);
        for (const output of item.outputs ?? []) {
          const files = graph.nodes.filter((n) => n.type === 'file' && n.attributes['sha256'] === output.sha256 && outgoing(graph, n.id, 'wasGeneratedBy').includes(node.id));
          expect([node.id, output.path, files.length]).toEqual([node.id, output.path, 1]);
        }
      }
    }
    for (const [jobId, events] of jobEvents) {
      const node = need(ids.job(jobId));
      const last = events[events.length - 1] as JobEvent;
      expect([jobId, node.attributes['state']]).toEqual([jobId, last.state]);
      const facts = events.find((e) => e.facts)?.facts;
      expect(facts).toBeDefined();
      if (!facts) continue;
      expect(has(graph, 'used', node.id, ids.image(facts.digest))).toBe(true);
      expect(has(graph, 'wasAssociatedWith', node.id, ids.person(facts.owner))).toBe(true);
      expect(has(graph, 'wasAssociatedWith', node.id, ids.site(facts.site))).toBe(true);
      for (const output of last.run?.outputs ?? []) {
        const files = graph.nodes.filter((n) => n.type === 'file' && n.attributes['sha256'] === output.sha256 && outgoing(graph, n.id, 'wasGeneratedBy').includes(node.id));
        expect([jobId, output.path, files.length]).toEqual([jobId, output.path, 1]);
      }
    }

    // Steps and jobs agree with GetWorkflow and GetJob.
    for (const step of record.steps) {
      const node = need(ids.step(runId, step.key));
      expect([step.key, node.attributes['state']]).toEqual([step.key, pb.StepState[step.state].replace('STEP_STATE_', '')]);
      expect(outgoing(graph, node.id, 'partOf').length).toBe(1);
      for (const jobId of step.jobIds) {
        const job = await jobs.getJob(jobId);
        const jobNode = need(ids.job(jobId));
        expect(has(graph, 'partOf', jobNode.id, node.id)).toBe(true);
        expect(jobNode.attributes['slurm_job_id']).toBe(job.slurmJobId);
        const image = need(ids.image(digestOf(job.imageDigest)));
        expect(image.attributes['digest']).toBe(digestOf(job.imageDigest));
        expect(has(graph, 'used', jobNode.id, image.id)).toBe(true);
      }
      if (step.items && step.items.total > 0) {
        for (let i = 0; i < step.items.total; i += 1) expect(has(graph, 'partOf', ids.item(runId, step.key, i), node.id)).toBe(true);
      }
    }
    for (const iteration of record.iterations) {
      const loop = record.steps.find((s) => s.kind === pb.StepKind.STEP_KIND_LOOP)?.key ?? '';
      const node = need(ids.iteration(runId, loop, iteration.iteration));
      for (const [metric, value] of Object.entries(iteration.metrics)) expect([node.id, metric, Number(node.attributes[`metric.${metric}`])]).toEqual([node.id, metric, value]);
      expect(has(graph, 'partOf', node.id, ids.run(runId))).toBe(true);
      if (iteration.iteration > 1) expect(has(graph, 'wasInformedBy', node.id, ids.iteration(runId, loop, iteration.iteration - 1))).toBe(true);
      if (iteration.decision) {
        const decision = need(ids.decision(runId, loop, iteration.iteration));
        // Attribute values keep at most 4096 characters (provNodeSchema).
        expect(decision.attributes['decision']).toBe(iteration.decision.slice(0, 4096));
        expect(has(graph, 'wasGeneratedBy', decision.id, node.id)).toBe(true);
      }
    }

    // Every node has its links; every file its real hash.
    const links: Record<string, (id: string) => boolean> = {
      step: (id) => outgoing(graph, id, 'partOf').length === 1,
      // An item is part of its step and of the array job it ran in.
      item: (id) => outgoing(graph, id, 'partOf').filter((to) => to.startsWith('step:')).length === 1 && outgoing(graph, id, 'partOf').filter((to) => to.startsWith('job:')).length === 1,
      job: (id) => outgoing(graph, id, 'partOf').length === 1 && outgoing(graph, id, 'used').some((to) => to.startsWith('image:')),
      iteration: (id) => outgoing(graph, id, 'partOf').length === 1,
      decision: (id) => outgoing(graph, id, 'wasGeneratedBy').length === 1,
      file: (id) => !id.startsWith(`file:${runId}/`) || outgoing(graph, id, 'wasGeneratedBy').length === 1 || graph.edges.some((e) => e.relation === 'used' && e.to === id),
    };
    const unlinked = graph.nodes.filter((n) => links[n.type] !== undefined && !(links[n.type] as (id: string) => boolean)(n.id)).map((n) => n.id);
    expect(unlinked).toEqual([]);
    for (const node of graph.nodes.filter((n) => n.type === 'file' && n.id.startsWith(`file:${runId}/`) && n.attributes['sha256'])) {
      const path = runDir(runId, node.id.slice(`file:${runId}/`.length));
      const disk = hashOnDisk(path);
      expect([node.id, node.attributes['sha256'], node.attributes['size']]).toEqual([node.id, disk.sha256, String(disk.size)]);
    }
  }

  it('a parameter sweep yields a complete graph: every event has its node, every node its links, every output its real sha256', async () => {
    const { runId, record, graph } = await run('sweep');
    await checkComplete(runId, record, graph, SWEEP);
    expect(stepOf(record, 'sweep').items).toEqual({ total: SWEEP_ITEMS, succeeded: SWEEP_ITEMS, failed: 0 });
    const nodes = byId(graph);
    for (let i = 0; i < SWEEP_ITEMS; i += 1) {
      const output = nodes.get(ids.file(runId, `sweep/${i}/result.json`));
      expect([i, output?.attributes['sha256']]).toEqual([i, sha256(readFileSync(runDir(runId, 'sweep', String(i), 'result.json')))]);
      expect(outgoing(graph, ids.file(runId, `sweep/${i}/result.json`), 'wasGeneratedBy')).toEqual([ids.item(runId, 'sweep', i)]);
    }
    const summary = nodes.get(ids.file(runId, 'summarise/summary.json'));
    expect(summary?.attributes['sha256']).toBe(sha256(readFileSync(runDir(runId, 'summarise', 'summary.json'))));
    expect(nodes.get(ids.params(runId))?.attributes['param.samples']).toBe('2000');
    // summarise needed the sweep (docs/provenance.md: step wasInformedBy each step it needs).
    expect(has(graph, 'wasInformedBy', ids.step(runId, 'summarise'), ids.step(runId, 'sweep'))).toBe(true);
  }, 900_000);

  it('the active-learning example yields a complete graph with every iteration\'s metrics and decision', async () => {
    const { runId, record, graph } = await run('al');
    await checkComplete(runId, record, graph, AL);
    expect(record.iterations.length).toBeGreaterThanOrEqual(2);
    const nodes = byId(graph);
    for (const iteration of record.iterations) {
      const node = nodes.get(ids.iteration(runId, 'learn', iteration.iteration));
      expect(Number(node?.attributes['metric.val_accuracy'])).toBe(iteration.metrics['val_accuracy']);
      expect(node?.attributes['decision'] !== undefined || nodes.has(ids.decision(runId, 'learn', iteration.iteration))).toBe(true);
      // Every step instance that ran wrote its output (the decide step, too, unless the loop stopped first).
      for (const [step, file] of [['train', 'model.npz'], ['evaluate', 'metrics.json'], ['select', 'next.json']] as const) {
        const path = `learn/${iteration.iteration}/${step}/${file}`;
        const ran = record.steps.some((s) => s.key === `learn[${iteration.iteration}].${step}` && s.state === pb.StepState.STEP_STATE_SUCCEEDED);
        if (!ran) continue;
        expect([path, nodes.get(ids.file(runId, path))?.attributes['sha256']]).toEqual([path, sha256(readFileSync(runDir(runId, path)))]);
      }
    }
    expect(nodes.get(ids.iteration(runId, 'learn', record.iterations.length))?.attributes['stop']).toBe('condition');
    // Inside each iteration, evaluate and select needed train (step wasInformedBy each step it needs).
    const needs = record.iterations.flatMap((it) => [`learn[${it.iteration}].evaluate`, `learn[${it.iteration}].select`].map((key) => [key, `learn[${it.iteration}].train`] as const));
    expect(needs.filter(([key, need]) => record.steps.some((s) => s.key === key) && !has(graph, 'wasInformedBy', ids.step(runId, key), ids.step(runId, need)))).toEqual([]);
    for (const path of ['prepare/pool.npz', 'prepare/val.npz']) expect(nodes.get(ids.file(runId, path))?.attributes['sha256']).toBe(sha256(readFileSync(runDir(runId, path))));
  }, 900_000);

  it('exports both runs as PROV-JSON (W3C schema, read back by python3-prov) and as a Provenance Run Crate (SHACL shapes, ro-crate checks)', async () => {
    for (const name of ['sweep', 'al'] as const) {
      const { runId, graph } = await run(name);
      const json = await exportRun(prov.alice, runId, 'prov-json');
      expect(json.contentType).toBe('application/json');
      expect(json.chunkSizes.every((n) => n <= 64 * 1024)).toBe(true);
      const doc = JSON.parse(json.data.toString('utf8')) as Record<string, unknown>;
      expect(await validateProvJson(doc)).toEqual([]);
      // python3-prov reads it and writes it back with the same records (it throws if not).
      await provRoundTrip(doc);
      // Every output's hash is in the document.
      const text = json.data.toString('utf8');
      for (const file of graph.nodes.filter((n) => n.type === 'file' && n.attributes['sha256'])) expect([file.id, text.includes(file.attributes['sha256'] as string)]).toEqual([file.id, true]);

      const crate = await exportRun(prov.alice, runId, 'ro-crate');
      expect(crate.contentType).toBe('application/zip');
      const entries = await unzipEntries(crate.data);
      const metadata = JSON.parse((entries.get('ro-crate-metadata.json') as Buffer).toString('utf8')) as Record<string, unknown>;
      expect(await validateCrate(metadata, entries)).toEqual([]);
      // The workflow file in the crate is the one run, byte for byte.
      expect([...entries.values()].some((data) => sha256(data) === sha256(name === 'sweep' ? SWEEP : AL))).toBe(true);
      const crateText = JSON.stringify(metadata);
      for (const image of graph.nodes.filter((n) => n.type === 'image')) expect(crateText).toContain((image.attributes['digest'] as string).replace(/^sha256:/, ''));
    }
  }, 900_000);

  it('lineage of the sweep: upstream of the summary reaches every item\'s output, its job, the image and the workflow file (checked against the run record)', async () => {
    const sweep = await run('sweep');
    const start = ids.file(sweep.runId, 'summarise/summary.json');
    const up = await lineage(prov.alice, { nodeId: start }, 'upstream');
    const reached = new Set(up.nodes.map((n) => n.id));
    const sweepStep = stepOf(sweep.record, 'sweep');
    expect(sweepStep.items?.total).toBe(SWEEP_ITEMS);
    const summariseJob = stepOf(sweep.record, 'summarise').jobIds[0] as string;
    const expected = [
      ...Array.from({ length: sweepStep.items?.total ?? 0 }, (_, i) => ids.file(sweep.runId, `sweep/${i}/result.json`)),
      ...Array.from({ length: sweepStep.items?.total ?? 0 }, (_, i) => ids.item(sweep.runId, 'sweep', i)),
      ids.job(summariseJob),
      ids.image(digestOf((await jobs.getJob(summariseJob)).imageDigest)),
      ids.workflow(sha256(SWEEP)),
    ];
    expect(expected.filter((id) => !reached.has(id))).toEqual([]);
    expect(up.nodes[0]?.id).toBe(start);
    expect(up.depths[0]).toBe(0);
    // The same walk from the file's hash.
    const hash = sweep.graph.nodes.find((n) => n.id === start)?.attributes['sha256'] as string;
    const byHash = await lineage(prov.alice, { sha256: hash }, 'upstream');
    expect(byHash.nodes.map((n) => n.id).sort()).toEqual([...reached].sort());
    // A shallow walk says it stopped short.
    const shallow = await lineage(prov.alice, { nodeId: start }, 'upstream', 1);
    expect(shallow.depthLimited).toBe(true);
    expect(Math.max(...shallow.depths)).toBe(1);
    // An item's result traces to the array job it ran in and that job's image; "which results
    // used this image?" finds every item's result.
    const image = ids.image(digestOf((await jobs.getJob(sweepStep.jobIds[0] as string)).imageDigest));
    const fromItem = new Set((await lineage(prov.alice, { nodeId: ids.file(sweep.runId, 'sweep/0/result.json') }, 'upstream')).nodes.map((n) => n.id));
    expect([...sweepStep.jobIds.map(ids.job), image].filter((id) => !fromItem.has(id))).toEqual([]);
    const fromImage = new Set((await lineage(prov.alice, { imageDigest: image.slice('image:'.length) }, 'downstream')).nodes.map((n) => n.id));
    expect(expected.filter((id) => id.startsWith(`file:${sweep.runId}/`) && !fromImage.has(id))).toEqual([]);
  }, 900_000);

  it('lineage of active learning: downstream of prepare\'s pool reaches every loop step\'s job and output but not the validation set; upstream of iteration 1 holds nothing of iteration 2', async () => {
    const al = await run('al');
    const down = await lineage(prov.alice, { nodeId: ids.file(al.runId, 'prepare/pool.npz') }, 'downstream');
    const below = new Set(down.nodes.map((n) => n.id));
    const expected = [
      ...al.record.steps.filter((s) => s.key.startsWith('learn[')).flatMap((s) => s.jobIds.map(ids.job)),
      ...al.record.iterations.flatMap((it) => [`learn/${it.iteration}/train/model.npz`, `learn/${it.iteration}/evaluate/metrics.json`].map((path) => ids.file(al.runId, path))),
    ];
    expect(expected.length).toBeGreaterThan(al.record.iterations.length * 2);
    expect(expected.filter((id) => !below.has(id))).toEqual([]);
    // Not what pool.npz never fed: the validation set, and the job that made pool.npz.
    const prepareJob = ids.job(stepOf(al.record, 'prepare').jobIds[0] as string);
    expect([ids.file(al.runId, 'prepare/val.npz'), prepareJob].filter((id) => below.has(id))).toEqual([]);
    // Upstream of iteration 1's metrics: its model, the validation set, nothing of iteration 2.
    const first = await lineage(prov.alice, { nodeId: ids.file(al.runId, 'learn/1/evaluate/metrics.json') }, 'upstream');
    const above = new Set(first.nodes.map((n) => n.id));
    expect([ids.file(al.runId, 'prepare/val.npz'), ids.file(al.runId, 'learn/1/train/model.npz'), ids.file(al.runId, 'prepare/pool.npz'), prepareJob].filter((id) => !above.has(id))).toEqual([]);
    expect([...above].filter((id) => id.includes('/learn/2/') || id.includes('learn[2]') || id.endsWith('/learn/2'))).toEqual([]);
  }, 900_000);

  it('provenance killed (SIGKILL) mid-run catches up after its restart: the graph is complete and nothing is duplicated; replays and redeliveries change nothing', async () => {
    const baseline = await run('sweep');
    const runId = await startRun(flows, SWEEP, 'parameter-sweep.yaml');
    await waitForRun(flows, runId, (w) => w.steps.some((s) => s.key === 'sweep' && s.state === pb.StepState.STEP_STATE_RUNNING) || ended(w), 300_000);
    expect(await stack.services.provenance.kill('SIGKILL')).toBeNull();
    // Events keep coming while it is down: the sweep's items end, summarise starts.
    await waitForRun(flows, runId, (w) => w.steps.some((s) => s.key === 'summarise' && s.state !== pb.StepState.STEP_STATE_WAITING) || ended(w), 300_000);
    await stack.services.provenance.start();
    const record = await waitForRun(flows, runId, ended, 600_000);
    expect(runState(record.state)).toBe('SUCCEEDED');
    const graph = await completeGraph(prov.alice, runId);
    await checkComplete(runId, record, graph, SWEEP);
    // The same nodes and relations as the run recorded without a kill.
    expect(normalised(graph, runId, jobNamesOf(record))).toEqual(normalised(baseline.graph, baseline.runId, jobNamesOf(baseline.record)));

    // Every event published so far recorded once: one ledger row per message of the three streams.
    await provenanceCaughtUp(nc);
    const recorded = await ledger(nc, stack.database.url);
    expect(recorded.events).toBe(recorded.published);

    // Every event again, from the start of every stream: nothing changes.
    const before = await Promise.all([runId, baseline.runId].map((r) => runGraph(prov.alice, r)));
    await stack.services.provenance.kill('SIGTERM');
    await deleteProvenanceConsumers(nc);
    await stack.services.provenance.start();
    await provenanceCaughtUp(nc);
    const replayed = await Promise.all([runId, baseline.runId].map((r) => runGraph(prov.alice, r)));
    expect(replayed.map(sorted)).toEqual(before.map(sorted));
    expect(await ledger(nc, stack.database.url)).toEqual(recorded);

    // The same events published again (as the scheduler would after a crash): nothing changes.
    const scheduler = await connectNats({ ...stack.nats.clientFor(stack.nats.users.scheduler), name: 'provenance-e2e-republish' });
    try {
      const js = new JetStreamRepository(scheduler);
      const { runEvents, jobEvents } = await eventsOf(record);
      for (const event of runEvents) await js.publish(subjects.workflowEvents(runId), event, randomUUID());
      for (const [jobId, events] of jobEvents) for (const event of events) await js.publish(subjects.jobEvents(jobId), event, randomUUID());
    } finally {
      await scheduler.close();
    }
    await provenanceCaughtUp(nc);
    expect(sorted(await runGraph(prov.alice, runId))).toEqual(sorted(before[0] as Graph));
    const after = await ledger(nc, stack.database.url);
    expect({ ...after, published: 0 }).toEqual({ ...recorded, published: 0 });
    expect(after.published).toBeGreaterThan(recorded.published);
  }, 1_200_000);

  it('a re-run of the sweep reproduces its outputs and says what it re-ran; a changed parameter changes the downstream hashes, and lineage shows which', async () => {
    const original = await run('sweep');
    const again = await prov.alice.rerun(original.runId, { requestId: randomUUID() });
    expect(again.rerunOf).toBe(original.runId);
    const record = await waitForRun(flows, again.runId, ended, 600_000);
    expect(runState(record.state)).toBe('SUCCEEDED');
    expect(record.rerunOf).toBe(original.runId);
    const graph = await completeGraph(prov.alice, again.runId);
    expect(graph.rerunOf).toBe(original.runId);
    expect(has(graph, 'wasDerivedFrom', ids.run(again.runId), ids.run(original.runId))).toBe(true);
    await checkComplete(again.runId, record, graph, undefined);
    // What it submitted: the recorded file with its images pinned to the digests the original used, the same parameters.
    const submittedOf = async (r: string) =>
      (await eventsOn(nc, streams.workflowEvents.name, subjects.workflowEvents(r))).map((e) => workflowEventSchema.parse(e)).find((e) => e.submitted)?.submitted;
    const [was, now] = await Promise.all([submittedOf(original.runId), submittedOf(again.runId)]);
    expect(now?.rerunOf).toBe(original.runId);
    expect(now?.params).toEqual(was?.params);
    expect(now?.images.map((i) => i.digest)).toEqual(was?.images.map((i) => i.digest));
    for (const image of was?.images ?? []) expect(now?.source).toContain(image.digest);
    // The same file, parameters and image digests; the deterministic summary hash-equal.
    const images = (g: Graph) => g.nodes.filter((n) => n.type === 'image').map((n) => n.id).sort();
    expect(images(graph)).toEqual(images(original.graph));
    const hashes = (g: Graph, r: string) => new Map(g.nodes.filter((n) => n.id.startsWith(`file:${r}/`)).map((n) => [n.id.slice(`file:${r}/`.length), n.attributes['sha256'] ?? '']));
    const first = hashes(original.graph, original.runId);
    const second = hashes(graph, again.runId);
    expect(second.get('summarise/summary.json')).toBe(first.get('summarise/summary.json'));
    // Each item's result is the same but for the seconds it took (simulate.py records them).
    const result = (r: string, i: number) => {
      const { seconds, ...rest } = JSON.parse(readFileSync(runDir(r, 'sweep', String(i), 'result.json'), 'utf8')) as Record<string, unknown>;
      expect(typeof seconds).toBe('number');
      return rest;
    };
    for (let i = 0; i < SWEEP_ITEMS; i += 1) expect(result(again.runId, i)).toEqual(result(original.runId, i));

    // Fewer Monte Carlo samples: every item's score and the summary change.
    const changed = await prov.alice.rerun(original.runId, { params: { samples: '500' }, requestId: randomUUID() });
    const changedRecord = await waitForRun(flows, changed.runId, ended, 600_000);
    expect(runState(changedRecord.state)).toBe('SUCCEEDED');
    const changedGraph = await completeGraph(prov.alice, changed.runId);
    expect(byId(changedGraph).get(ids.params(changed.runId))?.attributes['param.samples']).toBe('500');
    const third = hashes(changedGraph, changed.runId);
    const differing = [...third].filter(([path, hash]) => second.get(path) !== hash && path.endsWith('.json')).map(([path]) => path);
    expect(differing).toContain('summarise/summary.json');
    for (let i = 0; i < SWEEP_ITEMS; i += 1) expect(result(changed.runId, i)['score']).not.toEqual(result(again.runId, i)['score']);
    const downstream = new Set((await lineage(prov.alice, { nodeId: ids.params(changed.runId) }, 'downstream')).nodes.map((n) => n.id));
    for (const path of differing) expect([path, downstream.has(ids.file(changed.runId, path))]).toEqual([path, true]);
  }, 1_200_000);

  it('bob cannot see the provenance of alice\'s run (NOT_FOUND, as for a run that does not exist); carol, an admin, can', async () => {
    const { runId, graph } = await run('sweep');
    const summary = graph.nodes.find((n) => n.id === ids.file(runId, 'summarise/summary.json'))?.attributes['sha256'] as string;
    const absent = randomUUID();
    for (const target of [runId, absent]) {
      expect((await refusal(() => runGraph(prov.bob, target))).codeName).toBe('NOT_FOUND');
      expect((await refusal(() => lineage(prov.bob, { nodeId: ids.run(target) }, 'upstream'))).codeName).toBe('NOT_FOUND');
      expect((await refusal(() => exportRun(prov.bob, target, 'prov-json'))).codeName).toBe('NOT_FOUND');
      expect((await refusal(() => prov.bob.rerun(target, { requestId: randomUUID() }))).codeName).toBe('NOT_FOUND');
    }
    expect((await refusal(() => lineage(prov.bob, { nodeId: ids.file(runId, 'summarise/summary.json') }, 'upstream'))).codeName).toBe('NOT_FOUND');
    expect((await refusal(() => lineage(prov.bob, { sha256: summary }, 'upstream'))).codeName).toBe('NOT_FOUND');
    // From a shared node (the image), bob's walk never enters alice's run.
    const image = graph.nodes.find((n) => n.type === 'image')?.attributes['digest'] as string;
    const fromImage = await lineage(prov.bob, { imageDigest: image }, 'downstream');
    expect(fromImage.nodes.filter((n) => n.runId === runId).map((n) => n.id)).toEqual([]);
    const alicesWalk = await lineage(prov.alice, { imageDigest: image }, 'downstream');
    expect(alicesWalk.nodes.some((n) => n.runId === runId)).toBe(true);

    expect(sorted(await runGraph(prov.carol, runId))).toEqual(sorted(await runGraph(prov.alice, runId)));
    const walk = (client: ProvenanceClient) => lineage(client, { nodeId: ids.file(runId, 'summarise/summary.json') }, 'upstream').then((w) => w.nodes.map((n) => n.id).sort());
    const carols = await walk(prov.carol);
    expect(carols).toEqual(await walk(prov.alice));
    expect(carols).toContain(ids.run(runId));
  }, 900_000);
});

/** A graph in a canonical order, attributes and all, to compare two reads of it. */
function sorted(graph: Graph): { nodes: string[]; edges: string[]; complete: boolean } {
  const attrs = (a: Record<string, string>) => JSON.stringify(Object.entries(a).sort(([x], [y]) => x.localeCompare(y)));
  return {
    nodes: graph.nodes.map((n) => `${n.id} ${n.type} ${n.kind} ${n.runId} ${n.label} ${attrs(n.attributes)}`).sort(),
    edges: graph.edges.map(edgeKey).sort(),
    complete: graph.complete,
  };
}
