import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatAbsolute, formatDuration, formatMebibytes, formatRelative, plural, toDate } from './format';

describe('formatting', () => {
  it('turns Timestamps into Dates', () => {
    expect(toDate({ seconds: 1_764_619_026n, nanos: 500_000_000 })?.toISOString()).toBe('2025-12-01T19:57:06.500Z');
    expect(toDate(undefined)).toBeUndefined();
  });

  it('says durations in two units at most', () => {
    expect([0, 5, 60, 65, 3600, 3660, 86_400, 90_000, -1, Number.NaN].map(formatDuration)).toEqual([
      '0 s', '5 s', '1 min', '1 min 5 s', '1 h', '1 h 1 min', '1 d', '1 d 1 h', '—', '—',
    ]);
  });

  it('says times relative to now, and far ones as dates', () => {
    const now = new Date('2026-12-01T20:00:00Z');
    expect(formatRelative(new Date('2026-12-01T19:59:55Z'), now)).toBe('just now');
    expect(formatRelative(new Date('2026-12-01T20:00:13Z'), now)).toBe('just now');
    expect(formatRelative(new Date('2026-12-01T20:01:00Z'), now)).toBe('in 1 min');
    expect(formatRelative(new Date('2026-12-01T19:55:00Z'), now)).toBe('5 min ago');
    expect(formatRelative(new Date('2026-12-01T18:00:00Z'), now)).toBe('2 h ago');
    expect(formatRelative(new Date('2026-12-01T20:30:00Z'), now)).toBe('in 30 min');
    expect(formatRelative(new Date('2026-10-01T00:00:00Z'), now)).toBe('2026-10-01 00:00:00 UTC');
    expect(formatAbsolute(new Date(Number.NaN))).toBe('—');
  });

  it('never says anything empty for any time', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (offset) => {
        const now = new Date('2026-12-01T20:00:00Z');
        expect(formatRelative(new Date(now.getTime() + offset), now).length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it('says memory in binary units', () => {
    expect([512, 1024, 1536, 1024 * 1024, 0, 4096n].map(formatMebibytes)).toEqual(['512 MiB', '1 GiB', '1.5 GiB', '1 TiB', '—', '4 GiB']);
    expect(plural(1, 'job')).toBe('1 job');
    expect(plural(3, 'job')).toBe('3 jobs');
  });
});
