import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type NatsConnection } from 'nats';
import { Client } from 'pg';
import { lineageReply, type ProvEdge, runProvenanceReply, streams, subjects } from '@cairn/contracts';
import { NatsRequester } from '@cairn/adapters/nats';
import { as, createTestDatabase, ServiceProcess, startNats, type TestDatabase, type TestNats, waitFor } from '@cairn/testing';
import type { ProvEvent } from '../src/event-mapping';
import { nodeId } from '../src/graph-ids';
import { ALICE, DIGEST, hash, RUN, worldEvents } from '../src/provenance-spec-kit';

/** Jobs outside any workflow, each with its three events (ACCEPTED with facts, RUNNING, COMPLETED with an output). */
function manyJobs(count: number): ProvEvent[] {
  const events: ProvEvent[] = [];
  for (let i = 0; i < count; i += 1) {
    const jobId = `44444444-4444-4444-8444-${i.toString(16).padStart(12, '0')}`;
    const time = (s: number) => new Date(Date.UTC(2026, 11, 1, 13, 0, s)).toISOString();
    const base = { jobId, exitCode: null, slurmJobId: '', reason: '' };
    const facts = { owner: ALICE, account: 'alice-lab', site: 'dev', name: `j${i}`, image: 'lab/busybox:1.36', imageRef: `r@${DIGEST}`, digest: DIGEST, command: ['true'], resources: {}, items: 0 };
    events.push(
      { stream: 'jobs', id: '', event: { ...base, sequence: 1, state: 'ACCEPTED', time: time(1), facts } },
      { stream: 'jobs', id: '', event: { ...base, sequence: 2, state: 'RUNNING', slurmJobId: `${i}`, time: time(2) } },
      { stream: 'jobs', id: '', event: { ...base, sequence: 3, state: 'COMPLETED', exitCode: 0, slurmJobId: `${i}`, time: time(3), run: { outputs: [{ path: 'out.txt', sha256: hash(1000 + i), size: 1, kind: 'file' }] } } },
    );
  }
  return events;
}

/** Publishes events as their owners do (the scheduler's and images' users), each with its message id. */
async function publish(scheduler: NatsConnection, images: NatsConnection, events: ProvEvent[]): Promise<void> {
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  for (let i = 0; i < events.length; i += 500) {
    await Promise.all(
      events.slice(i, i + 500).map((e) => {
        switch (e.stream) {
          case 'jobs':
            return scheduler.jetstream().publish(subjects.jobEvents(e.event.jobId), encode(e.event), { msgID: `${e.event.jobId}:${e.event.sequence}` });
          case 'workflows':
            return scheduler.jetstream().publish(subjects.workflowEvents(e.event.runId), encode(e.event), { msgID: `${e.event.runId}:${e.event.sequence}` });
          case 'images':
            return images.jetstream().publish(subjects.images.resolved, encode(e.event));
        }
      }),
    );
  }
}

describe('the provenance service [real: provenance processes, nats-server, PostgreSQL]', () => {
  let nats: TestNats;
  let database: TestDatabase;
  let pg: Client;
  let service: ServiceProcess;
  let scheduler: NatsConnection;
  let images: NatsConnection;
  let gateway: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    database = await createTestDatabase();
    pg = new Client({ connectionString: database.url });
    await pg.connect();
    const dir = mkdtempSync(join(tmpdir(), 'provenance-int-'));
    service = new ServiceProcess({
      app: 'provenance',
      env: { ...nats.envFor(nats.users.provenance), CAIRN_DATABASE_URL: database.url, CAIRN_DATA_DIR: dir, CAIRN_PROVENANCE_INGEST_BATCH: '500' },
      healthSubject: subjects.health('provenance'),
      nats: nats.connectOptionsFor(nats.users.monitor),
      logFile: join(dir, 'provenance.log'),
    });
    // Started before any stream exists: it creates them (as the scheduler and images would).
    await service.start();
    scheduler = await connect(nats.connectOptionsFor(nats.users.scheduler));
    images = await connect(nats.connectOptionsFor(nats.users.images));
    gateway = await connect(nats.connectOptionsFor(nats.users.gateway));
    const tester = await connect(nats.connectOptionsFor(nats.tester));
    const jsm = await tester.jetstreamManager();
    await waitFor('the three streams', async () => (await Promise.all([streams.jobEvents, streams.workflowEvents, streams.imageEvents].map((s) => jsm.streams.info(s.name)))).length === 3, 30_000, 200);
    await tester.close();
  });
  afterAll(async () => {
    await service.kill('SIGTERM');
    await Promise.all([scheduler, images, gateway].map((nc) => nc.close()));
    await pg.end();
    const violations = nats.violations([nats.users.provenance]);
    await nats.stop();
    await database.drop();
    expect(violations).toEqual([]);
  });

  const recorded = async () => Number((await pg.query<{ n: string }>('SELECT count(*) AS n FROM provenance.prov_events')).rows[0]?.n ?? 0);
  const snapshot = async () => ({
    nodes: (await pg.query("SELECT count(*) AS n, md5(string_agg(id || '|' || run_id || '|' || attributes::text, ',' ORDER BY id)) AS h FROM provenance.prov_nodes")).rows[0],
    edges: (await pg.query("SELECT count(*) AS n, md5(string_agg(relation || from_id || to_id || run_id || attributes::text, ',' ORDER BY relation, from_id, to_id)) AS h FROM provenance.prov_edges")).rows[0],
    runs: (await pg.query('SELECT count(*) AS n, count(*) FILTER (WHERE final) AS f FROM provenance.prov_runs')).rows[0],
  });

  it('records every event once through a kill -9 mid-ingest, and a full redelivery changes nothing', async () => {
    const world = worldEvents();
    const jobs = manyJobs(2000);
    const all = [...world, ...jobs];
    await publish(scheduler, images, all.slice(0, 3000));
    // Killed while it records the first half; the rest arrives while it is down.
    await service.kill('SIGKILL');
    await publish(scheduler, images, all.slice(3000));
    await service.start();
    await waitFor(`all ${all.length} events recorded`, async () => ((await recorded()) === all.length ? true : undefined), 120_000, 250);
    const first = await snapshot();
    expect(first.nodes).toMatchObject({ n: expect.any(String) });
    const counts = await pg.query<{ type: string; n: string }>('SELECT type, count(*) AS n FROM provenance.prov_nodes GROUP BY type ORDER BY type');
    expect(Object.fromEntries(counts.rows.map((r) => [r.type, Number(r.n)]))).toMatchObject({ job: 2006, image: 1, person: 2, run: 1 });
    const finished = await pg.query<{ n: string }>("SELECT count(*) AS n FROM provenance.prov_nodes WHERE type = 'job' AND attributes->>'state' = 'COMPLETED'");
    expect(Number(finished.rows[0]?.n)).toBe(2006);

    // Everything again: the durable consumers replay the streams from the start, and the ids recorded are forgotten.
    await service.kill('SIGTERM');
    const tester = await connect(nats.connectOptionsFor(nats.tester));
    const jsm = await tester.jetstreamManager();
    for (const [stream, durable] of [
      [streams.jobEvents.name, 'provenance-job-events'],
      [streams.workflowEvents.name, 'provenance-workflow-events'],
      [streams.imageEvents.name, 'provenance-image-events'],
    ] as const) {
      await jsm.consumers.delete(stream, durable);
    }
    await tester.close();
    await pg.query('DELETE FROM provenance.prov_events');
    await service.start();
    await waitFor(`all ${all.length} events recorded again`, async () => ((await recorded()) === all.length ? true : undefined), 120_000, 250);
    expect(await snapshot()).toEqual(first);
  });

  it('answers run graphs and lineage over NATS, to the people who may see them', async () => {
    const requester = new NatsRequester(gateway);
    const page = await requester.request(subjects.provenance.run, { ...as.alice, runId: RUN, pageSize: 5000 }, runProvenanceReply);
    expect(page.complete).toBe(true);
    expect(page.nodes.map((n) => n.id)).toContain(nodeId.run(RUN));
    await expect(requester.request(subjects.provenance.run, { ...as.bob, runId: RUN, pageSize: 10 }, runProvenanceReply)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(requester.request(subjects.provenance.run, { ...as.alice, runId: 'not-a-uuid', pageSize: 10 }, runProvenanceReply)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Pages of at most 1 MiB: a walk over every job that used the image takes several.
    const jobs: string[] = [];
    const edges: ProvEdge[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const down = await requester.request(subjects.provenance.lineage, { ...as.alice, start: { imageDigest: DIGEST }, direction: 'downstream', maxDepth: 2, pageSize: 5000, ...(pageToken ? { pageToken } : {}) }, lineageReply);
      jobs.push(...down.nodes.filter((n) => n.type === 'job').map((n) => n.id));
      edges.push(...down.edges);
      pageToken = down.nextPageToken || undefined;
      pages += 1;
    } while (pageToken);
    expect(pages).toBeGreaterThan(1);
    expect(new Set(jobs).size).toBe(2006);
    expect(edges.filter((e) => e.relation === 'wasGeneratedBy').length).toBe(2000 + 5); // the array's outputs are its items', one relation further
    // bob sees his own job's, and none of alice's (she charged them to alice-lab).
    const bobs = await requester.request(subjects.provenance.lineage, { ...as.bob, start: { imageDigest: DIGEST }, direction: 'downstream', maxDepth: 1, pageSize: 5000 }, lineageReply);
    expect(bobs.nodes.filter((n) => n.type === 'job').map((n) => n.label)).toEqual(['solo']);
  });
});
