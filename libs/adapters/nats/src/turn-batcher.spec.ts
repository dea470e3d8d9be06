import fc from 'fast-check';
import { type ItemOutcome, TurnBatcher, type TurnBatcherOptions } from './turn-batcher';

interface Item {
  id: number;
  bytes: number;
  alone?: boolean;
}

/** A batcher whose sends are recorded and answered with each item's id (an odd id refused alone when `refuseOdd`). */
function recorded(limits: { maxItems: number; maxBytes: number }, answer: Partial<Pick<TurnBatcherOptions<Item, number>, 'one' | 'many'>> = {}) {
  const sent: Item[][] = [];
  const batcher = new TurnBatcher<Item, number>({
    one:
      answer.one ??
      ((item) => {
        sent.push([item]);
        return Promise.resolve(item.id);
      }),
    many:
      answer.many ??
      ((items) => {
        sent.push(items);
        return Promise.resolve(items.map((item): ItemOutcome<number> => (item.id % 2 === 1 ? { error: new Error(`refused ${item.id}`) } : { value: item.id })));
      }),
    maxItems: limits.maxItems,
    maxBytes: () => limits.maxBytes,
    size: (item) => item.bytes,
    alone: (item) => item.alone === true,
  });
  return { batcher, sent };
}

const settle = (promise: Promise<number>) => promise.then((value) => ({ value }), (error: Error) => ({ error: error.message }));

describe('TurnBatcher', () => {
  it('refuses a maxItems that is not a whole number of at least 1', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => recorded({ maxItems: bad, maxBytes: 10 })).toThrow(RangeError);
  });

  it('sends the calls of one turn together, in order, within maxItems and maxBytes; each gets its own answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.record({ bytes: fc.integer({ min: 1, max: 120 }), alone: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        async (maxItems, maxBytes, shapes) => {
          const { batcher, sent } = recorded({ maxItems, maxBytes });
          const items = shapes.map((shape, id) => ({ id, ...shape }));
          const answers = await Promise.all(items.map((item) => settle(batcher.add(item))));
          // Every item once, in arrival order.
          expect(sent.flat().map((item) => item.id)).toEqual(items.map((item) => item.id));
          for (const group of sent) {
            if (group.length === 1) continue;
            expect(group.length).toBeLessThanOrEqual(maxItems);
            expect(group.reduce((sum, item) => sum + item.bytes, 0)).toBeLessThanOrEqual(maxBytes);
            expect(group.some((item) => item.alone)).toBe(false);
          }
          // Groups are as large as the limits allow: a group and the next item did not fit together.
          sent.forEach((group, k) => {
            const next = sent[k + 1]?.[0];
            if (!next || next.alone || group.some((item) => item.alone)) return;
            const bytes = group.reduce((sum, item) => sum + item.bytes, 0) + next.bytes;
            expect(group.length >= maxItems || bytes > maxBytes).toBe(true);
          });
          // Alone the odd ones are answered (the lone path answers all); together they are refused alone.
          items.forEach((item, k) => {
            const together = sent.find((group) => group.includes(item) && group.length > 1);
            expect(answers[k]).toEqual(together && item.id % 2 === 1 ? { error: `refused ${item.id}` } : { value: item.id });
          });
        },
      ),
    );
  });

  it('does not hold a call past its turn: calls of later turns go in later requests, while earlier ones are still answered', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { batcher, sent } = recorded(
      { maxItems: 10, maxBytes: 100 },
      {
        many: async (items) => {
          sent.push(items);
          if (items[0]?.id === 0) await held;
          return items.map((item) => ({ value: item.id }));
        },
      },
    );
    const first = [0, 2].map((id) => batcher.add({ id, bytes: 1 }));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 6].map((id) => batcher.add({ id, bytes: 1 }));
    await expect(Promise.all(second)).resolves.toEqual([4, 6]);
    release();
    await expect(Promise.all(first)).resolves.toEqual([0, 2]);
    expect(sent.map((group) => group.map((item) => item.id))).toEqual([
      [0, 2],
      [4, 6],
    ]);
  });

  it('a request that fails fails each of its calls, and only those; a wrong number of answers fails them all', async () => {
    const { batcher } = recorded(
      { maxItems: 2, maxBytes: 100 },
      {
        many: (items) => {
          if (items[0]?.id === 0) return Promise.reject(new Error('no reply'));
          if (items[0]?.id === 4) return Promise.resolve([{ value: 4 }]);
          return Promise.resolve(items.map((item) => ({ value: item.id })));
        },
      },
    );
    const answers = await Promise.all([0, 2, 8, 10, 4, 6].map((id) => settle(batcher.add({ id, bytes: 1 }))));
    expect(answers).toEqual([
      { error: 'no reply' },
      { error: 'no reply' },
      { value: 8 },
      { value: 10 },
      { error: '1 answers for 2 items' },
      { error: '1 answers for 2 items' },
    ]);
  });

  it('a call it cannot measure goes alone, and a send that throws at once rejects its calls instead of escaping', async () => {
    const sent: number[][] = [];
    const batcher = new TurnBatcher<Item, number>({
      one: (item) => {
        sent.push([item.id]);
        if (item.id === 1) throw new Error('not serialisable');
        return Promise.resolve(item.id);
      },
      many: (items) => {
        sent.push(items.map((item) => item.id));
        throw new Error('cannot send');
      },
      maxItems: 10,
      maxBytes: () => 100,
      size: (item) => {
        if (item.id === 1) throw new TypeError('cannot measure');
        return item.bytes;
      },
    });
    const answers = await Promise.all([0, 1, 2, 3].map((id) => settle(batcher.add({ id, bytes: 1 }))));
    expect(answers).toEqual([{ value: 0 }, { error: 'not serialisable' }, { error: 'cannot send' }, { error: 'cannot send' }]);
    expect(sent).toEqual([[0], [1], [2, 3]]);
  });
});
