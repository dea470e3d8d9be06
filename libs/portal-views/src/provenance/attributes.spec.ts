import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { attributeRows, formatBytes, formatJson, formatTime } from './attributes';
import { downloadName, joinChunks, receivedText } from './export-file';

describe('attributeRows', () => {
  it('lists known facts first in a fixed order, with units, UTC times and a duration, then metrics, parameters and the rest', () => {
    const rows = attributeRows({
      zeta: 'z',
      'param.batch': '50',
      'metric.val_accuracy': '0.93',
      end_time: '2026-12-01T10:02:05Z',
      start_time: '2026-12-01T10:00:00Z',
      host: 'c1',
      exit_code: '0',
      size: '1572864',
      sha256: 'ab'.repeat(32),
    });
    expect(rows.map((r) => [r.name, r.value])).toEqual([
      ['SHA-256', 'ab'.repeat(32)],
      ['Size', '1.5 MiB (1,572,864 bytes)'],
      ['Exit code', '0'],
      ['Host', 'c1'],
      ['Started', '2026-12-01 10:00:00 UTC'],
      ['Ended', '2026-12-01 10:02:05 UTC'],
      ['Duration', '2 min 5 s'],
      ['Metric val_accuracy', '0.93'],
      ['Parameter batch', '50'],
      ['Zeta', 'z'],
    ]);
    expect(rows.find((r) => r.key === 'sha256')?.code).toBe(true);
  });

  it('pretty-prints JSON (a decision, a command) and shows other text as it is', () => {
    const [row] = attributeRows({ decision: '{"next":[1,2]}' });
    expect(row?.value).toBe('{\n  "next": [\n    1,\n    2\n  ]\n}');
    expect(row?.code).toBe(true);
    expect(formatJson('{not json')).toBe('{not json');
    expect(formatJson('plain')).toBe('plain');
  });

  it('gives no duration for times that are missing, unparsable or backwards', () => {
    expect(attributeRows({ start_time: '2026-12-01T10:00:00Z' }).map((r) => r.key)).toEqual(['start_time']);
    expect(attributeRows({ start_time: 'soon', end_time: 'later' }).map((r) => r.value)).toEqual(['soon', 'later']);
    expect(attributeRows({ start_time: '2026-12-01T10:00:00Z', end_time: '2026-12-01T09:00:00Z' })).toHaveLength(2);
  });

  it('formats sizes from bytes to TiB and leaves what is no count alone', () => {
    expect(formatBytes('0')).toBe('0 bytes');
    expect(formatBytes('1')).toBe('1 byte');
    expect(formatBytes('1023')).toBe('1,023 bytes');
    expect(formatBytes('1024')).toBe('1.0 KiB (1,024 bytes)');
    expect(formatBytes(String(5 * 2 ** 40))).toBe('5.0 TiB (5,497,558,138,880 bytes)');
    expect(formatBytes('-1')).toBe('-1');
    expect(formatBytes('12abc')).toBe('12abc');
    expect(formatTime('2026-13-45T99:00:00Z')).toBe('2026-13-45T99:00:00Z');
  });

  it('for any attributes: one row per attribute (plus at most a duration), every value text, none thrown', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('size', 'start_time', 'end_time', 'decision', '__proto__', 'metric.x')), fc.string({ maxLength: 40 })), (attributes) => {
        const rows = attributeRows(attributes);
        const keys = Object.keys(attributes);
        expect(rows.filter((r) => r.key !== 'duration' || keys.includes('duration')).length).toBe(keys.length);
        expect(rows.length - keys.length).toBeLessThanOrEqual(1);
        for (const r of rows) expect(typeof r.value).toBe('string');
      }),
      { numRuns: 300 },
    );
  });
});

describe('exports', () => {
  it('uses the server\'s file name without any path or unsafe character, else one from the run', () => {
    expect(downloadName('r1.prov.json', 'r1', 'prov-json')).toBe('r1.prov.json');
    expect(downloadName('../../etc/passwd', 'r1', 'prov-json')).toBe('passwd');
    expect(downloadName('a\u0000b:c.zip', 'r1', 'ro-crate')).toBe('a_b_c.zip');
    expect(downloadName('..', 'r/1', 'ro-crate')).toBe('r_1.crate.zip');
    expect(downloadName('', '', 'prov-json')).toBe('run.prov.json');
  });

  it('for any suggestion: a name with no separator, control character or leading dot, at most 200 characters', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 50 }), fc.constantFrom('prov-json' as const, 'ro-crate' as const), (suggested, run, kind) => {
        const name = downloadName(suggested, run, kind);
        // eslint-disable-next-line no-control-regex
        expect(/[/\\\u0000-\u001f]/.test(name)).toBe(false);
        expect(name.startsWith('.')).toBe(false);
        expect(name.length).toBeGreaterThan(0);
        expect(name.length).toBeLessThanOrEqual(200);
      }),
      { numRuns: 300 },
    );
  });

  it('joins chunks in order and says how much came', () => {
    expect([...joinChunks([new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3])])]).toEqual([1, 2, 3]);
    expect([receivedText(10), receivedText(65_536), receivedText(3 * 1024 * 1024)]).toEqual(['10 bytes received', '64 KiB received', '3.0 MiB received']);
  });
});
