import { TtlMemo } from './ttl-memo';

describe('TtlMemo', () => {
  it('computes once per key per TTL, shares a computation in flight, and computes again after the TTL', async () => {
    const clock = { now: 0 };
    const memo = new TtlMemo<string, number>(1000, () => clock.now);
    let runs = 0;
    const compute = async () => ++runs;
    expect(await Promise.all([memo.get('a', compute), memo.get('a', compute)])).toEqual([1, 1]);
    expect(await memo.get('b', compute)).toBe(2);
    clock.now = 999;
    expect(await memo.get('a', compute)).toBe(1);
    clock.now = 1000;
    expect(await memo.get('a', compute)).toBe(3);
  });

  it('does not keep a rejection: the next call computes again', async () => {
    const memo = new TtlMemo<string, string>(60_000, () => 0);
    await expect(memo.get('a', () => Promise.reject(new Error('NSS down')))).rejects.toThrow('NSS down');
    expect(await memo.get('a', async () => 'answered')).toBe('answered');
  });

  it('keeps at most `max` keys, emptied when full', async () => {
    const memo = new TtlMemo<number, number>(60_000, () => 0, 3);
    let runs = 0;
    for (const key of [1, 2, 3, 1]) await memo.get(key, async () => ++runs);
    expect(runs).toBe(3);
    await memo.get(4, async () => ++runs);
    await memo.get(1, async () => ++runs);
    expect(runs).toBe(5);
  });
});
