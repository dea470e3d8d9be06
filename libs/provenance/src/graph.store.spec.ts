import { createHash } from 'node:crypto';
import { type Database, openDatabase } from '@cairn/adapters/postgres';
import { CairnError } from '@cairn/contracts';
import { as, freshEmbeddedDir } from '@cairn/testing';
import fc from 'fast-check';
import type { ProvEvent } from './event-mapping';
import { nodeId } from './graph-ids';
import { GraphStore } from './graph.store';
import { provenanceMigrations } from './migrations';
import { EMPTY_SHA256, ProvenanceQueries } from './provenance-queries';
import type { ProvenanceDb } from './provenance.tables';
import { DIGEST, hash, J_BOB, J_PREPARE, J_SUM, J_SWEEP, J_TRAIN1, J_TRAIN2, RUN, worldEvents } from './provenance-spec-kit';

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'OK',
    (e: unknown) => (e instanceof CairnError ? e.code : String(e)),
  );

describe('the provenance graph store [real: PGlite]', () => {
  let database: Database<ProvenanceDb>;
  let store: GraphStore;
  let queries: ProvenanceQueries;

  beforeAll(async () => {
    database = await openDatabase<ProvenanceDb>({ embeddedDir: await freshEmbeddedDir('provenance-'), schema: 'provenance', migrations: [provenanceMigrations] });
    store = new GraphStore(database.db);
    queries = new ProvenanceQueries(store);
  }, 60_000);
  afterAll(() => database.close());

  const empty = async () => {
    for (const table of ['prov_nodes', 'prov_edges', 'prov_runs', 'prov_jobs', 'prov_deferred', 'prov_events'] as const) await database.db.deleteFrom(table).execute();
  };
  const snapshot = async () => ({
    nodes: await database.db.selectFrom('prov_nodes').select(['id', 'type', 'run_id', 'attributes', 'sha256', 'digest']).orderBy('id').execute(),
    edges: await database.db.selectFrom('prov_edges').select(['relation', 'from_id', 'to_id', 'run_id', 'attributes']).orderBy('relation').orderBy('from_id').orderBy('to_id').execute(),
    runs: await database.db.selectFrom('prov_runs').selectAll().orderBy('run_id').execute(),
    jobs: await database.db.selectFrom('prov_jobs').selectAll().orderBy('job_id').execute(),
    deferred: await database.db.selectFrom('prov_deferred').select(['job_id']).execute(),
  });
  const recordIn = async (events: ProvEvent[], sizes: number[] = [events.length]) => {
    let at = 0;
    for (const size of sizes) {
      await store.record(events.slice(at, at + size));
      at += size;
    }
    if (at < events.length) await store.record(events.slice(at));
  };

  it('maps a workflow run to the nodes and relations of docs/provenance.md', async () => {
    await empty();
    expect(await store.record(worldEvents())).toBe(worldEvents().length);
    const { nodes, edges } = await snapshot();
    const node = (id: string) => nodes.find((n) => n.id === id);
    const has = (relation: string, from: string, to: string) => edges.some((e) => e.relation === relation && e.from_id === from && e.to_id === to);
    const pool = nodeId.runFile(RUN, 'prepare/pool.npz');
    const model1 = nodeId.runFile(RUN, 'learn/1/train/model.npz');
    const model2 = nodeId.runFile(RUN, 'learn/2/train/model.npz');
    const raw = nodeId.externalFile('dev', '/data/raw.csv', hash(3));
    expect(node(nodeId.run(RUN))).toMatchObject({ type: 'run', run_id: RUN, attributes: expect.objectContaining({ name: 'al', state: 'SUCCEEDED', account: 'alice-lab' }) });
    expect(node(nodeId.job(J_PREPARE))).toMatchObject({ run_id: RUN, attributes: expect.objectContaining({ state: 'COMPLETED', exit_code: '0', host: 'c1', digest: DIGEST }) });
    expect(node(pool)).toMatchObject({ type: 'file', run_id: RUN, sha256: hash(2), attributes: { path: 'prepare/pool.npz', sha256: hash(2), size: '10', kind: 'file' } });
    expect(node(raw)).toMatchObject({ run_id: '', sha256: hash(3) });
    expect(node(nodeId.image(DIGEST))).toMatchObject({ run_id: '', digest: DIGEST, attributes: expect.objectContaining({ registry: '127.0.0.1:5000' }) });
    expect(node(nodeId.iteration(RUN, 'learn', 2))).toMatchObject({ attributes: expect.objectContaining({ 'metric.val_accuracy': '0.95', stop: 'condition' }) });
    expect(node(nodeId.params(RUN))?.attributes).toEqual({ 'param.rounds': '2', 'param.label': '"x"' });
    expect(has('wasGeneratedBy', pool, nodeId.job(J_PREPARE))).toBe(true);
    expect(has('wasDerivedFrom', pool, raw)).toBe(true);
    expect(has('used', nodeId.job(J_PREPARE), raw)).toBe(true);
    expect(has('used', nodeId.job(J_TRAIN1), pool)).toBe(true);
    expect(has('wasDerivedFrom', model1, pool)).toBe(true);
    expect(has('wasDerivedFrom', model2, model1)).toBe(true);
    expect(has('used', nodeId.job(J_TRAIN1), nodeId.image(DIGEST))).toBe(true);
    expect(has('partOf', nodeId.job(J_TRAIN2), nodeId.step(RUN, 'learn[2].train'))).toBe(true);
    expect(has('partOf', nodeId.step(RUN, 'learn[2].train'), nodeId.iteration(RUN, 'learn', 2))).toBe(true);
    expect(has('partOf', nodeId.iteration(RUN, 'learn', 2), nodeId.run(RUN))).toBe(true);
    expect(has('wasInformedBy', nodeId.iteration(RUN, 'learn', 2), nodeId.iteration(RUN, 'learn', 1))).toBe(true);
    expect(has('wasGeneratedBy', nodeId.decision(RUN, 'learn', 1), nodeId.iteration(RUN, 'learn', 1))).toBe(true);
    expect(has('wasGeneratedBy', nodeId.runFile(RUN, 'sweep/out/2.json'), nodeId.item(RUN, 'sweep', 2))).toBe(true);
    expect(has('partOf', nodeId.item(RUN, 'sweep', 2), nodeId.step(RUN, 'sweep'))).toBe(true);
    expect(has('partOf', nodeId.item(RUN, 'sweep', 2), nodeId.job(J_SWEEP))).toBe(true);
    expect(has('wasAssociatedWith', nodeId.run(RUN), nodeId.workflowFile(hash(1)))).toBe(true);
    expect(has('used', nodeId.run(RUN), nodeId.params(RUN))).toBe(true);
    // Every relation's ends are nodes.
    const ids = new Set(nodes.map((n) => n.id));
    expect(edges.filter((e) => !ids.has(e.from_id) || !ids.has(e.to_id))).toEqual([]);
    // A job outside any workflow is its own run.
    expect(node(nodeId.job(J_BOB))).toMatchObject({ run_id: J_BOB });
    expect(node(nodeId.runFile(J_BOB, 'result.txt'))).toMatchObject({ run_id: J_BOB, sha256: hash(2) });
  }, 120_000);

  it('records each event once: the same events again, in one batch or many, change nothing', async () => {
    await empty();
    const events = worldEvents();
    await store.record(events);
    const once = await snapshot();
    expect(await store.record(events)).toBe(0);
    await recordIn(events, [1, 2, 3, 5, 8]);
    await store.record([...events, ...events]);
    expect(await snapshot()).toEqual(once);
  }, 120_000);

  it('gives the same graph whatever order and batches the events come in (jobs before their run, items before their job)', async () => {
    await empty();
    await store.record(worldEvents());
    const expected = await snapshot();
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(worldEvents(), { minLength: worldEvents().length }), fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 12 }), async (events, sizes) => {
        await empty();
        await recordIn(events, sizes);
        expect(await snapshot()).toEqual(expected);
      }),
      { numRuns: 15 },
    );
  }, 120_000);

  it('maps old events without facts, with fewer attributes', async () => {
    await empty();
    const old = worldEvents()
      .filter((e) => e.stream === 'jobs' && e.event.jobId === J_BOB)
      .map((e) => (e.stream === 'jobs' ? { ...e, event: { ...e.event, facts: undefined, run: undefined } } : e));
    await store.record(old);
    const { nodes, edges, runs } = await snapshot();
    expect(nodes).toEqual([expect.objectContaining({ id: nodeId.job(J_BOB), run_id: J_BOB, attributes: expect.objectContaining({ state: 'COMPLETED' }) })]);
    expect(edges).toEqual([]);
    expect(runs).toEqual([]);
  }, 120_000);

  it('says a page is complete only when all it could hold was recorded before it was read (events recorded between its reads)', async () => {
    await empty();
    const events = worldEvents();
    // The run has ended, but the sweep's end and its items are recorded after the page's
    // nodes are read and before its relations are.
    const isLate = (e: ProvEvent) => (e.stream === 'workflows' && e.event.items !== undefined) || (e.stream === 'jobs' && e.event.jobId === J_SWEEP && e.event.state === 'COMPLETED');
    await store.record(events.filter((e) => !isLate(e)));
    class LateStore extends GraphStore {
      late = events.filter(isLate);
      override async runEdges(...args: Parameters<GraphStore['runEdges']>) {
        const late = this.late.splice(0);
        if (late.length > 0) await store.record(late);
        return super.runEdges(...args);
      }
    }
    const racing = new ProvenanceQueries(new LateStore(database.db));
    const dangling = (page: { nodes: Array<{ id: string }>; edges: Array<{ from: string; to: string }> }) => {
      const ids = new Set(page.nodes.map((n) => n.id));
      return page.edges.filter((e) => !ids.has(e.from) || !ids.has(e.to));
    };
    const first = await racing.runGraph({ ...as.alice, runId: RUN, pageSize: 5000 });
    expect(dangling(first).length).toBeGreaterThan(0);
    expect(first.complete).toBe(false);
    const again = await racing.runGraph({ ...as.alice, runId: RUN, pageSize: 5000 });
    expect(again.complete).toBe(true);
    expect(dangling(again)).toEqual([]);
    expect(again.nodes.map((n) => n.id)).toContain(nodeId.item(RUN, 'sweep', 2));
  }, 120_000);

  describe('queries', () => {
    beforeAll(async () => {
      await empty();
      await store.record(worldEvents());
    }, 60_000);

    it('pages a run graph at every page size down to 1 and up to the most, each node and relation once', async () => {
      const whole = await queries.runGraph({ ...as.alice, runId: RUN, pageSize: 5000 });
      expect(whole.nextPageToken).toBe('');
      expect(whole.complete).toBe(true);
      const nodeIds = whole.nodes.map((n) => n.id);
      expect(nodeIds).toContain(nodeId.image(DIGEST));
      expect(new Set(nodeIds).size).toBe(nodeIds.length);
      for (const edge of whole.edges) expect([nodeIds.includes(edge.from), nodeIds.includes(edge.to)]).toEqual([true, true]);
      for (const pageSize of [1, 2, 7]) {
        const nodes: string[] = [];
        const edges: string[] = [];
        let pageToken: string | undefined;
        do {
          const page = await queries.runGraph({ ...as.alice, runId: RUN, pageSize, ...(pageToken ? { pageToken } : {}) });
          expect(page.nodes.length + page.edges.length).toBeLessThanOrEqual(pageSize);
          nodes.push(...page.nodes.map((n) => n.id));
          edges.push(...page.edges.map((e) => `${e.relation} ${e.from} ${e.to}`));
          pageToken = page.nextPageToken || undefined;
        } while (pageToken);
        expect(nodes).toEqual(nodeIds);
        expect(edges).toEqual(whole.edges.map((e) => `${e.relation} ${e.from} ${e.to}`));
      }
    }, 120_000);

    it('pages within the byte budget of one reply', async () => {
      const small = new ProvenanceQueries(store, 2048);
      let pages = 0;
      let pageToken: string | undefined;
      do {
        const page = await small.runGraph({ ...as.alice, runId: RUN, pageSize: 5000, ...(pageToken ? { pageToken } : {}) });
        expect(Buffer.byteLength(JSON.stringify([...page.nodes, ...page.edges]))).toBeLessThanOrEqual(2048 + 8);
        pages += 1;
        pageToken = page.nextPageToken || undefined;
      } while (pageToken);
      expect(pages).toBeGreaterThan(3);
    }, 120_000);

    it('answers NOT_FOUND for a run the caller may not see, and a forged page token INVALID_ARGUMENT', async () => {
      expect(await codeOf(queries.runGraph({ ...as.bob, runId: RUN, pageSize: 10 }))).toBe('NOT_FOUND');
      expect(await codeOf(queries.runSource({ ...as.bob, runId: RUN }))).toBe('NOT_FOUND');
      expect(await codeOf(queries.runGraph({ ...as.carol, runId: RUN, pageSize: 10 }))).toBe('OK');
      expect(await codeOf(queries.runGraph({ ...as.alice, runId: '99999999-9999-4999-8999-999999999999', pageSize: 10 }))).toBe('NOT_FOUND');
      expect(await codeOf(queries.runGraph({ ...as.alice, runId: RUN, pageSize: 10, pageToken: 'garbage' }))).toBe('INVALID_ARGUMENT');
      // bob's job is charged to genomics, of which alice is a member.
      expect(await codeOf(queries.runGraph({ ...as.alice, runId: J_BOB, pageSize: 10 }))).toBe('OK');
    }, 120_000);

    it('answers the run source as submitted', async () => {
      expect(await queries.runSource({ ...as.alice, runId: RUN })).toMatchObject({ name: 'al', fileName: 'workflow.yaml', sourceSha256: hash(1), params: { rounds: 2, label: 'x' }, account: 'alice-lab', site: 'dev', complete: true });
      // A job outside any workflow: no file, its image.
      expect(await queries.runSource({ ...as.alice, runId: J_BOB })).toMatchObject({ name: 'solo', fileName: '', source: '', sourceSha256: EMPTY_SHA256, params: {}, account: 'genomics', images: [{ reference: 'lab/busybox:1.36', digest: DIGEST }], complete: true });
      expect(createHash('sha256').update('').digest('hex')).toBe(EMPTY_SHA256);
    }, 120_000);

    it('walks upstream from an output to what it came from, depth by depth', async () => {
      const model2 = nodeId.runFile(RUN, 'learn/2/train/model.npz');
      const up = await queries.lineage({ ...as.alice, start: { nodeId: model2 }, direction: 'upstream', maxDepth: 50, pageSize: 5000 });
      const depth = (id: string) => up.depths[up.nodes.findIndex((n) => n.id === id)];
      expect(depth(model2)).toBe(0);
      expect(depth(nodeId.job(J_TRAIN2))).toBe(1);
      expect(depth(nodeId.runFile(RUN, 'learn/1/train/model.npz'))).toBe(1);
      expect(depth(nodeId.runFile(RUN, 'prepare/pool.npz'))).toBe(2);
      expect(depth(nodeId.externalFile('dev', '/data/raw.csv', hash(3)))).toBe(3);
      expect(depth(nodeId.image(DIGEST))).toBe(2);
      expect(depth(nodeId.workflowFile(hash(1)))).toBeGreaterThan(0);
      expect(up.nodes.map((n) => n.id)).not.toContain(nodeId.runFile(RUN, 'sweep/out/0.json'));
      expect(up.depthLimited).toBe(false);
      expect([...up.depths]).toEqual([...up.depths].sort((a, b) => a - b));
      const near = await queries.lineage({ ...as.alice, start: { nodeId: model2 }, direction: 'upstream', maxDepth: 1, pageSize: 5000 });
      expect(near.depthLimited).toBe(true);
      expect(Math.max(...near.depths)).toBe(1);
    }, 120_000);

    it('walks from a directory a step used to the files recorded below it, and back', async () => {
      const summary = nodeId.runFile(RUN, 'summarise/summary.json');
      const up = await queries.lineage({ ...as.alice, start: { sha256: hash(20) }, direction: 'upstream', maxDepth: 10, pageSize: 5000 });
      const ids = up.nodes.map((n) => n.id);
      expect(ids[0]).toBe(summary);
      expect(ids).toEqual(expect.arrayContaining([nodeId.job(J_SUM), nodeId.runFile(RUN, 'sweep'), nodeId.runFile(RUN, 'sweep/out/0.json'), nodeId.item(RUN, 'sweep', 2), nodeId.image(DIGEST), nodeId.workflowFile(hash(1))]));
      expect(up.edges).toContainEqual({ relation: 'wasDerivedFrom', from: nodeId.runFile(RUN, 'sweep'), to: nodeId.runFile(RUN, 'sweep/out/1.json'), attributes: { via: 'directory' } });
      const down = await queries.lineage({ ...as.alice, start: { nodeId: nodeId.runFile(RUN, 'sweep/out/1.json') }, direction: 'downstream', maxDepth: 10, pageSize: 5000 });
      expect(down.nodes.map((n) => n.id)).toEqual(expect.arrayContaining([nodeId.runFile(RUN, 'sweep'), nodeId.job(J_SUM), summary]));
      expect(down.nodes.map((n) => n.id)).not.toContain(nodeId.runFile(RUN, 'sweep/out/0.json'));
      // Steps the summary waited for (needs).
      const graph = await queries.runGraph({ ...as.alice, runId: RUN, pageSize: 5000 });
      expect(graph.edges).toContainEqual({ relation: 'wasInformedBy', from: nodeId.step(RUN, 'summarise'), to: nodeId.step(RUN, 'sweep'), attributes: {} });
    }, 120_000);

    it('walks downstream from an input file (by sha256) and from an image digest', async () => {
      const down = await queries.lineage({ ...as.alice, start: { sha256: hash(3) }, direction: 'downstream', maxDepth: 10, pageSize: 5000 });
      const ids = down.nodes.map((n) => n.id);
      expect(ids).toEqual(expect.arrayContaining([nodeId.job(J_PREPARE), nodeId.runFile(RUN, 'prepare/pool.npz'), nodeId.runFile(RUN, 'sweep/out/1.json')]));
      const byImage = await queries.lineage({ ...as.alice, start: { imageDigest: DIGEST }, direction: 'downstream', maxDepth: 2, pageSize: 5000 });
      expect(byImage.nodes.map((n) => n.id)).toEqual(expect.arrayContaining([nodeId.job(J_SWEEP), nodeId.job(J_BOB), nodeId.runFile(RUN, 'learn/1/train/model.npz')]));
      // "Which results used this image?": an array's item outputs too, through the item's job.
      const deeper = await queries.lineage({ ...as.alice, start: { imageDigest: DIGEST }, direction: 'downstream', maxDepth: 3, pageSize: 5000 });
      expect(deeper.nodes.map((n) => n.id)).toContain(nodeId.runFile(RUN, 'sweep/out/2.json'));
      const up = await queries.lineage({ ...as.alice, start: { nodeId: nodeId.runFile(RUN, 'sweep/out/2.json') }, direction: 'upstream', maxDepth: 3, pageSize: 5000 });
      expect(up.nodes.map((n) => n.id)).toEqual(expect.arrayContaining([nodeId.job(J_SWEEP), nodeId.image(DIGEST)]));
    }, 120_000);

    it("never shows bob a node of alice's run, and pages a walk at size 1", async () => {
      expect(await codeOf(queries.lineage({ ...as.bob, start: { nodeId: nodeId.runFile(RUN, 'prepare/pool.npz') }, direction: 'upstream', maxDepth: 5, pageSize: 10 }))).toBe('NOT_FOUND');
      const byImage = await queries.lineage({ ...as.bob, start: { imageDigest: DIGEST }, direction: 'downstream', maxDepth: 5, pageSize: 5000 });
      expect(byImage.nodes.map((n) => n.runId).filter((r) => r === RUN)).toEqual([]);
      expect(byImage.nodes.map((n) => n.id)).toContain(nodeId.runFile(J_BOB, 'result.txt'));
      // Files with one hash: bob's own output only.
      const byHash = await queries.lineage({ ...as.bob, start: { sha256: hash(2) }, direction: 'upstream', maxDepth: 1, pageSize: 10 });
      expect(byHash.nodes.filter((n) => n.type === 'file').map((n) => n.id)).toEqual([nodeId.runFile(J_BOB, 'result.txt')]);
      const whole = await queries.lineage({ ...as.alice, start: { imageDigest: DIGEST }, direction: 'downstream', maxDepth: 50, pageSize: 5000 });
      const seen: string[] = [];
      const edges: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await queries.lineage({ ...as.alice, start: { imageDigest: DIGEST }, direction: 'downstream', maxDepth: 50, pageSize: 1, ...(pageToken ? { pageToken } : {}) });
        expect(page.nodes).toHaveLength(1);
        seen.push(...page.nodes.map((n) => n.id));
        edges.push(...page.edges.map((e) => `${e.relation} ${e.from} ${e.to}`));
        pageToken = page.nextPageToken || undefined;
      } while (pageToken);
      expect(seen).toEqual(whole.nodes.map((n) => n.id));
      expect(edges.sort()).toEqual(whole.edges.map((e) => `${e.relation} ${e.from} ${e.to}`).sort());
    }, 120_000);
  });
});
