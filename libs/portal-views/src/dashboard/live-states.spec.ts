import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { applyLive, effectiveState, pickWatched, type LiveStates } from './live-states';

const none: LiveStates = new Map();

describe('live states of list rows', () => {
  it('takes newer events and ignores replays', () => {
    let s = applyLive(none, 'a', 'PENDING', 2);
    s = applyLive(s, 'a', 'RUNNING', 3);
    const same = applyLive(s, 'a', 'ACCEPTED', 1);
    expect(same).toBe(s);
    expect(effectiveState(s, 'a', 'ACCEPTED')).toBe('RUNNING');
    expect(effectiveState(s, 'b', 'PENDING')).toBe('PENDING');
    expect(effectiveState(applyLive(s, 'a', 'SUCCEEDED', 0), 'a', 'X')).toBe('SUCCEEDED');
    // A run's step events carry the same run state: nothing changes.
    expect(applyLive(s, 'a', 'RUNNING', 7)).toBe(s);
  });

  it('ends at the newest event whatever order and replays the events come in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 80 }), (seqs) => {
        let s: LiveStates = none;
        for (const q of seqs) s = applyLive(s, 'r', `S${q}`, q);
        expect(s.get('r')?.sequence).toBe(Math.max(...seqs));
        expect(s.get('r')?.state).toBe(`S${Math.max(...seqs)}`);
      }),
      { numRuns: 200 },
    );
  });

  it('watches at most N unfinished rows, in the order shown, and moves on as rows finish', () => {
    const rows = [
      { id: '1', state: 'SUCCEEDED' },
      { id: '2', state: 'RUNNING' },
      { id: '3', state: 'PENDING' },
      { id: '4', state: 'FAILED' },
      { id: '5', state: 'RUNNING' },
      { id: '6', state: 'ACCEPTED' },
    ];
    expect(pickWatched(rows, none, 2)).toEqual(['2', '3']);
    const s = applyLive(none, '2', 'COMPLETED', 9);
    expect(pickWatched(rows, s, 2)).toEqual(['3', '5']);
    expect(pickWatched(rows, s, 0)).toEqual([]);
    expect(pickWatched(rows, s, 10)).toEqual(['3', '5', '6']);
  });
});
