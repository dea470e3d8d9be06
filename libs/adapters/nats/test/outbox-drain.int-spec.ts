import { randomBytes } from 'node:crypto';
import { startNats, type TestNats } from '@cairn/testing';
import type { NatsConnection } from 'nats';
import { connectNats, JetStreamRepository, type Outbox } from '../src';

const id = () => randomBytes(4).toString('hex');

interface Row {
  id: string;
  job: number;
  seq: number;
}

/** An outbox in memory over `rows`, sending each row to `subjectOf(row)`. */
function memoryOutbox(rows: readonly Row[], subjectOf: (row: Row) => string): Outbox<Row> & { published: string[]; reads: number } {
  const published: string[] = [];
  const outbox = {
    published,
    reads: 0,
    unpublished: (limit: number) => {
      outbox.reads += 1;
      return Promise.resolve(rows.filter((r) => !published.includes(r.id)).slice(0, limit));
    },
    markPublished: (ids: string[]) => {
      published.push(...ids);
      return Promise.resolve();
    },
    message: (row: Row) => ({ subject: subjectOf(row), data: row, msgId: `row-${row.id}` }),
  };
  return outbox;
}

describe('outbox drain, rows sent a window at a time [real: nats-server 2.9, JetStream file storage]', () => {
  let nats: TestNats;
  let client: NatsConnection;
  let js: JetStreamRepository;

  beforeAll(async () => {
    nats = await startNats();
    client = await connectNats({ ...nats.clientFor(nats.tester), name: 'outbox-drain' });
    js = new JetStreamRepository(client);
  });

  afterAll(async () => {
    await client?.close();
    await nats?.stop();
  });

  /** Every message the stream holds, in its order. */
  async function stored(stream: string): Promise<Row[]> {
    const jsm = await client.jetstreamManager();
    const { state } = await jsm.streams.info(stream);
    const rows: Row[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq += 1) rows.push((await jsm.streams.getMessage(stream, { seq })).json<Row>());
    return rows;
  }

  // 30 jobs, 10 events each, interleaved as a scheduler's outbox holds them.
  const rowsOf = () => Array.from({ length: 300 }, (_, i): Row => ({ id: String(i), job: i % 30, seq: Math.floor(i / 30) + 1 }));
  const perJob = (rows: readonly Row[]) => rows.reduce((m, r) => m.set(r.job, [...(m.get(r.job) ?? []), r.seq]), new Map<number, number[]>());
  const inOrder = Array.from({ length: 10 }, (_, i) => i + 1);

  it('stores 300 rows of 30 subjects once each, every subject in order, and marks them all (batches of 500 and of 64), reading until a page is not full', async () => {
    for (const batch of [500, 64]) {
      const name = `D_${id()}`;
      await js.ensureStream({ name, subjects: [`test.${name}.>`] });
      const rows = rowsOf();
      const outbox = memoryOutbox(rows, (r) => `test.${name}.${r.job}`);
      await js.drainOutbox(outbox, batch);
      expect(outbox.published.sort((a, b) => Number(a) - Number(b))).toEqual(rows.map((r) => r.id));
      // 500: one page of 300, not full, so no second read; 64: four full pages, then 44.
      expect(outbox.reads).toBe(batch === 500 ? 1 : 5);
      const got = await stored(name);
      expect(got).toHaveLength(300);
      expect(new Set(got.map((r) => r.id)).size).toBe(300);
      for (const [, seqs] of perJob(got)) expect(seqs).toEqual(inOrder);
    }
  });

  it('a row that cannot be sent (no stream takes its subject) marks none of the batch and sends no later window; the next drain stores each row once, every subject still in order', async () => {
    const name = `F_${id()}`;
    await js.ensureStream({ name, subjects: [`test.${name}.>`] });
    const rows = rowsOf();
    let broken = true;
    // Row 150 (job 0, its 6th event) goes nowhere while `broken`: JetStream answers no one.
    const outbox = memoryOutbox(rows, (r) => (broken && r.id === '150' ? `nowhere.${name}.${r.job}` : `test.${name}.${r.job}`));
    await expect(js.drainOutbox(outbox, 500)).rejects.toThrow();
    expect(outbox.published).toEqual([]);
    const partly = await stored(name);
    expect(partly.length).toBeLessThan(300);
    // Nothing of job 0 after its failed event was sent.
    expect(perJob(partly).get(0)).toEqual([1, 2, 3, 4, 5]);
    broken = false;
    await js.drainOutbox(outbox, 500);
    expect(outbox.published).toHaveLength(300);
    const got = await stored(name);
    expect(got).toHaveLength(300);
    expect(new Set(got.map((r) => r.id)).size).toBe(300);
    for (const [, seqs] of perJob(got)) expect(seqs).toEqual(inOrder);
  });
});
