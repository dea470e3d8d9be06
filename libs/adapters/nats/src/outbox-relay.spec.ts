import { CairnError } from '@cairn/contracts';
import { createLogger } from '@cairn/logging';
import type { Outbox } from './jetstream.repository';
import { OutboxRelay } from './outbox-relay';

interface Row {
  id: string;
  seq: number;
  owner_id: string;
  payload: string;
}

describe('OutboxRelay', () => {
  const rows: Row[] = [
    { id: '1', seq: 1, owner_id: 'a', payload: 'first' },
    { id: '2', seq: 2, owner_id: 'a', payload: 'second' },
    { id: '3', seq: 1, owner_id: 'b', payload: 'other' },
  ];
  const source = { unpublished: () => Promise.resolve(rows), markPublished: () => Promise.resolve() };

  it('sends each row on its owner subject with message id <owner>.<seq>, in batches of 500 by default', async () => {
    const seen: { outbox: Outbox<Row>; batch: number | undefined }[] = [];
    const jetstream = {
      drainOutbox: (outbox: Outbox<Row>, batch?: number) => {
        seen.push({ outbox, batch });
        return Promise.resolve();
      },
    };
    const relay = new OutboxRelay(jetstream, { rows: source, owner: (r) => r.owner_id, subject: (o) => `events.${o}`, data: (r) => ({ text: r.payload }), ownerField: 'itemId', what: 'item event' });
    await relay.tick();
    expect(seen[0]?.batch).toBe(500);
    expect(rows.map((r) => seen[0]?.outbox.message(r))).toEqual([
      { subject: 'events.a', data: { text: 'first' }, msgId: 'a.1' },
      { subject: 'events.a', data: { text: 'second' }, msgId: 'a.2' },
      { subject: 'events.b', data: { text: 'other' }, msgId: 'b.1' },
    ]);
    await expect(seen[0]?.outbox.unpublished(5)).resolves.toBe(rows);
  });

  it('logs an event too large to send with its owner and sequence, under the owner field it is given', async () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'error', { write: (line: string) => lines.push(line) });
    const jetstream = {
      drainOutbox: (_outbox: Outbox<Row>, _batch?: number, onDropped?: (row: Row, error: CairnError) => void) => {
        if (rows[2]) onDropped?.(rows[2], new CairnError('RESOURCE_EXHAUSTED', 'too big'));
        return Promise.resolve();
      },
    };
    await new OutboxRelay(jetstream, { rows: source, owner: (r) => r.owner_id, subject: (o) => o, data: (r) => r, ownerField: 'itemId', what: 'item event', batch: 7 }, logger).tick();
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ itemId: 'b', seq: 1, err: 'too big', msg: 'item event too large to publish; skipped' }),
    ]);
  });
});
