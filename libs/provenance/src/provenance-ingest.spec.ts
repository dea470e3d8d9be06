import { type Database, openDatabase } from '@cairn/adapters/postgres';
import { createLogger } from '@cairn/logging';
import { freshEmbeddedDir } from '@cairn/testing';
import type { ProvEvent } from './event-mapping';
import { nodeId } from './graph-ids';
import { GraphStore } from './graph.store';
import { provenanceMigrations } from './migrations';
import { EventRecorder } from './provenance-ingest';
import type { ProvenanceDb } from './provenance.tables';
import { RUN, worldEvents } from './provenance-spec-kit';

/** The real store, except that the events named fail as a database would refuse them. */
class RefusingStore extends GraphStore {
  constructor(
    db: Database<ProvenanceDb>['db'],
    private readonly refused: (event: ProvEvent) => boolean,
  ) {
    super(db);
  }
  override record(events: readonly ProvEvent[]): Promise<number> {
    if (events.some(this.refused)) return Promise.reject(new Error('refused by the database'));
    return super.record(events);
  }
}

describe('EventRecorder [real: PGlite]', () => {
  let database: Database<ProvenanceDb>;
  beforeAll(async () => {
    database = await openDatabase<ProvenanceDb>({ embeddedDir: await freshEmbeddedDir('provenance-ingest-'), schema: 'provenance', migrations: [provenanceMigrations] });
  }, 60_000);
  afterAll(() => database.close());

  const messages = (events: ProvEvent[]) => events.map((e, i) => ({ subject: 'x', seq: e.stream === 'images' ? e.seq : i + 1, data: JSON.parse(JSON.stringify(e.event)) as unknown }));

  it('drops (and logs) the one event the database refuses, records the rest, and fails the batch when every event is refused', async () => {
    const events = worldEvents().filter((e) => e.stream === 'workflows');
    const poison = events[3]?.id;
    const ingest = new EventRecorder(new RefusingStore(database.db, (e) => e.id === poison), createLogger('spec', 'silent'));
    expect(await ingest.recordBatch('workflows', messages(events))).toBe(events.length - 1);
    expect(await database.db.selectFrom('prov_nodes').select('id').where('id', '=', nodeId.run(RUN)).execute()).toHaveLength(1);
    const down = new EventRecorder(new RefusingStore(database.db, () => true), createLogger('spec', 'silent'));
    await expect(down.recordBatch('workflows', messages(events))).rejects.toThrow('refused by the database');
  }, 120_000);

  it('records strings with NUL and ids past the index limit', async () => {
    const [first] = worldEvents().filter((e) => e.stream === 'workflows');
    if (first?.stream !== 'workflows' || !first.event.submitted) throw new Error('kit changed');
    const long = 'é'.repeat(1024);
    const hostile: ProvEvent = {
      ...first,
      id: 'hostile',
      event: { ...first.event, runId: '99999999-9999-4999-8999-999999999999', submitted: { ...first.event.submitted, name: 'a\u0000b', params: { 'k\u0000': 'v\u0000' }, source: 'x\u0000y' } },
    };
    const store = new GraphStore(database.db);
    expect(await store.record([hostile])).toBe(1);
    const run = await store.run('99999999-9999-4999-8999-999999999999');
    expect(run).toMatchObject({ name: 'a\ufffdb', source: 'x\ufffdy', params: { 'k\ufffd': 'v\ufffd' } });
    const id = nodeId.runFile(RUN, `${long}/${long}`);
    expect(Buffer.byteLength(id)).toBeLessThanOrEqual(1000);
    expect(nodeId.runFile(RUN, `${long}/${long}`)).toBe(id);
    expect(nodeId.runFile(RUN, `${long}/${long}x`)).not.toBe(id);
  }, 120_000);
});
