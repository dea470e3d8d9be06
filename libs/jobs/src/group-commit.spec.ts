import fc from 'fast-check';
import { GroupCommit, type ItemOutcome } from './group-commit';

/** Lets the batcher's setImmediate and promise callbacks run. */
const flush = async () => {
  for (let i = 0; i < 3; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};

interface Item {
  id: number;
  /** Refused on its own inside an otherwise committed batch. */
  refused: boolean;
}

interface Commit {
  items: readonly Item[];
  finish(ok: boolean): void;
  settled: boolean;
}

/** A commit the test finishes by hand; everything that happens is written to `log` in order. */
function harness(maxBatch: number) {
  const commits: Commit[] = [];
  const log: string[] = [];
  const batcher = new GroupCommit<Item, number>((items) => {
    const index = commits.length;
    return new Promise<readonly ItemOutcome<number>[]>((resolve, reject) => {
      commits.push({
        items,
        settled: false,
        finish: (ok) => {
          const commit = commits[index];
          if (commit) commit.settled = true;
          log.push(`commit ${index} ${ok ? 'ok' : 'failed'}`);
          if (ok) resolve(items.map((item) => (item.refused ? { error: new Error(`refused ${item.id}`) } : { value: item.id * 10 })));
          else reject(new Error(`commit ${index} failed`));
        },
      });
    });
  }, maxBatch);
  return { batcher, commits, log };
}

const step = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), count: fc.integer({ min: 1, max: 6 }), refused: fc.boolean() }),
  fc.record({ kind: fc.constant('finish' as const), ok: fc.boolean() }),
);

describe('GroupCommit (group commit of concurrent submissions)', () => {
  it('commits every item exactly once, in arrival order, in batches of at most maxBatch, one commit at a time; each item settles only after its own commit, with its own outcome or its commit\'s error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.array(step, { maxLength: 40 }), fc.array(fc.boolean(), { maxLength: 60 }), async (maxBatch, steps, laterOutcomes) => {
        const { batcher, commits, log } = harness(maxBatch);
        const added: Item[] = [];
        const settled = new Map<number, { ok: boolean; value: unknown }>();
        const add = (item: Item) => {
          added.push(item);
          batcher.add(item).then(
            (value) => {
              expect(settled.has(item.id)).toBe(false);
              settled.set(item.id, { ok: true, value });
              log.push(`item ${item.id}`);
            },
            (error: unknown) => {
              expect(settled.has(item.id)).toBe(false);
              settled.set(item.id, { ok: false, value: error });
              log.push(`item ${item.id}`);
            },
          );
        };
        const pending = () => commits.filter((c) => !c.settled);
        for (const s of steps) {
          if (s.kind === 'add') {
            for (let i = 0; i < s.count; i += 1) add({ id: added.length, refused: s.refused && i % 2 === 1 });
          } else {
            pending()[0]?.finish(s.ok);
          }
          await flush();
          expect(pending().length).toBeLessThanOrEqual(1);
        }
        // Finish what is left (outcomes drawn, then successes) until every item settled.
        let k = 0;
        while (pending().length > 0) {
          pending()[0]?.finish(laterOutcomes[k] ?? true);
          k += 1;
          await flush();
          expect(pending().length).toBeLessThanOrEqual(1);
        }
        // Exactly once, in order, bounded batches.
        expect(commits.flatMap((c) => c.items.map((item) => item.id))).toEqual(added.map((item) => item.id));
        for (const c of commits) expect(c.items.length).toBeGreaterThanOrEqual(1);
        for (const c of commits) expect(c.items.length).toBeLessThanOrEqual(maxBatch);
        expect(settled.size).toBe(added.length);
        commits.forEach((c, index) => {
          const failed = log.includes(`commit ${index} failed`);
          const commitAt = log.indexOf(`commit ${index} ${failed ? 'failed' : 'ok'}`);
          for (const item of c.items) {
            // Acknowledged (or refused) only after its commit returned.
            expect(log.indexOf(`item ${item.id}`)).toBeGreaterThan(commitAt);
            const outcome = settled.get(item.id);
            if (failed) expect([outcome?.ok, (outcome?.value as Error).message]).toEqual([false, `commit ${index} failed`]);
            else if (item.refused) expect([outcome?.ok, (outcome?.value as Error).message]).toEqual([false, `refused ${item.id}`]);
            else expect(outcome).toEqual({ ok: true, value: item.id * 10 });
          }
        });
      }),
      { numRuns: 150 },
    );
  });

  it('items added together go in one commit; those added while it runs go together in the next', async () => {
    const { batcher, commits } = harness(64);
    const first = [0, 1, 2].map((id) => batcher.add({ id, refused: false }));
    await flush();
    const second = [3, 4, 5, 6].map((id) => batcher.add({ id, refused: false }));
    await flush();
    expect(commits.map((c) => c.items.length)).toEqual([3]);
    expect(batcher.waiting).toBe(4);
    commits[0]?.finish(true);
    await expect(Promise.all(first)).resolves.toEqual([0, 10, 20]);
    await flush();
    expect(commits.map((c) => c.items.length)).toEqual([3, 4]);
    commits[1]?.finish(true);
    await expect(Promise.all(second)).resolves.toEqual([30, 40, 50, 60]);
  });

  it('a commit that throws at once, or answers a wrong number of outcomes, fails its whole batch and not the next', async () => {
    let call = 0;
    const batcher = new GroupCommit<number, number>((items) => {
      call += 1;
      if (call === 1) throw new Error('connection lost');
      if (call === 2) return Promise.resolve(items.slice(1).map((value) => ({ value })));
      return Promise.resolve(items.map((value) => ({ value })));
    });
    await expect(Promise.allSettled([batcher.add(1), batcher.add(2)])).resolves.toEqual([
      { status: 'rejected', reason: new Error('connection lost') },
      { status: 'rejected', reason: new Error('connection lost') },
    ]);
    await expect(batcher.add(3)).rejects.toThrow('group commit: 0 outcomes for a batch of 1');
    await expect(batcher.add(4)).resolves.toBe(4);
  });

  it('refuses a batch size that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new GroupCommit(() => Promise.resolve([]), bad)).toThrow(RangeError);
  });
});
