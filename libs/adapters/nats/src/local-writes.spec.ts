import { onRunWrite, writingRun } from './local-writes';

describe('local run writes', () => {
  it('tells every listener before the answer is returned: the answered id, the asked one when it failed', async () => {
    const told: (string | undefined)[] = [];
    const stop = onRunWrite((id) => told.push(id));
    const answer = await writingRun(undefined, () => Promise.resolve({ runId: 'r-new' }), (a) => a.runId);
    expect([answer.runId, told]).toEqual(['r-new', ['r-new']]);
    await expect(writingRun('r-1', () => Promise.reject(new Error('time-out')), () => 'never')).rejects.toThrow('time-out');
    await expect(writingRun(undefined, () => Promise.reject(new Error('time-out')), () => 'never')).rejects.toThrow('time-out');
    expect(told).toEqual(['r-new', 'r-1', undefined]);
    stop();
    await writingRun('r-2', () => Promise.resolve({}), () => undefined);
    expect(told).toHaveLength(3);
  });
});
