import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { addEvent, hasGaps, lastKnown, latestState, type Timeline, type TimelineEvent } from './job-timeline';
import { arraySummary, commandText, formatBytes, isAtEnd, moreOutputBytes, outputText } from './job-model';

const ev = (sequence: number, state: string, extra: Partial<TimelineEvent> = {}): TimelineEvent => ({ sequence, state, reason: '', slurmJobId: '', ...extra });

describe('job timeline', () => {
  it('orders changes by sequence and keeps each once', () => {
    let t: Timeline = [];
    for (const e of [ev(2, 'PENDING', { slurmJobId: '41' }), ev(1, 'ACCEPTED'), ev(3, 'RUNNING'), ev(1, 'ACCEPTED'), ev(4, 'COMPLETED', { exitCode: 0 })]) t = addEvent(t, e);
    expect(t.map((e) => e.state)).toEqual(['ACCEPTED', 'PENDING', 'RUNNING', 'COMPLETED']);
    expect(latestState(t, 'ACCEPTED')).toBe('COMPLETED');
    expect(lastKnown(t, 'exitCode')).toBe(0);
    expect(lastKnown(t, 'slurmJobId')).toBe('41');
    expect(hasGaps(t)).toBe(false);
    expect(latestState([], 'RUNNING')).toBe('RUNNING');
  });

  it('takes a finished job’s expired record (sequence 0) alone', () => {
    expect(addEvent([], ev(0, 'FAILED'))).toEqual([ev(0, 'FAILED')]);
    const t = addEvent([ev(0, 'FAILED')], ev(1, 'ACCEPTED'));
    expect(t).toEqual([ev(1, 'ACCEPTED')]);
    expect(addEvent(t, ev(0, 'FAILED'))).toBe(t);
  });

  it('says when changes are missing', () => {
    expect(hasGaps([ev(1, 'ACCEPTED'), ev(3, 'RUNNING')])).toBe(true);
    expect(hasGaps([ev(2, 'PENDING')])).toBe(true);
  });

  it('ends sorted and duplicate-free after any replay order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 100 }), (seqs) => {
        let t: Timeline = [];
        for (const s of seqs) t = addEvent(t, ev(s, `S${s}`));
        const got = t.map((e) => e.sequence);
        expect(got).toEqual([...new Set(seqs)].sort((a, b) => a - b));
      }),
      { numRuns: 200 },
    );
  });
});

describe('job facts', () => {
  it('writes the command readably without running anything', () => {
    expect(commandText(['sh', '-c', 'echo hi; exit 3'])).toBe('sh -c "echo hi; exit 3"');
    expect(commandText(['python', 'train.py', '--lr=0.1', ''])).toBe('python train.py --lr=0.1 ""');
  });

  it('summarises item arrays', () => {
    expect(arraySummary(undefined)).toBeUndefined();
    expect(arraySummary({ items: [], itemsPerElement: 0, throttle: 0 })).toBeUndefined();
    expect(arraySummary({ items: ['a', 'b', 'c', 'd', 'e'], itemsPerElement: 2, throttle: 2 })).toBe('5 items, 2 per element (3 Slurm array elements), at most 2 at once');
    expect(arraySummary({ items: ['a'], itemsPerElement: 0, throttle: 0 })).toBe('1 item, 1 per element (1 Slurm array element)');
  });

  it('decodes output leniently and grows the tail to 1 MiB at most', () => {
    expect(outputText(new TextEncoder().encode('héllo\n'))).toBe('héllo\n');
    expect(outputText(new Uint8Array([0xa9, 0x41]))).toBe('\uFFFDA');
    expect(moreOutputBytes(65_536)).toBe(131_072);
    expect(moreOutputBytes(786_432)).toBe(1_048_576);
    expect(formatBytes(65_536)).toBe('64 KiB');
    expect(formatBytes(1_048_576)).toBe('1 MiB');
    expect(isAtEnd(900, 100, 1010)).toBe(true);
    expect(isAtEnd(0, 100, 1010)).toBe(false);
  });
});
