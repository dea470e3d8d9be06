import fc from 'fast-check';
import { z } from 'zod';
import { describeControl, excerpt, hasOwnKey, ownValue, replaceControls, safeText, userRecord } from './validation';

const PROTOTYPE_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];

describe('the free-text rule', () => {
  it('refuses every C0 control but tab, DEL, every C1 control and unpaired surrogates, wherever they sit', () => {
    const refused = [
      ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).filter((c) => c !== '\t'),
      '\u007f',
      ...Array.from({ length: 32 }, (_, i) => String.fromCharCode(0x80 + i)),
      '\ud800',
      '\udfff',
    ];
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), fc.constantFrom(...refused), fc.string({ maxLength: 50 }), (before, bad, after) => {
        expect(safeText(4096).safeParse(`${before}${bad}${after}`).success).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts tab, printable text in every script, and paired surrogates', () => {
    const printable = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => describeControl(s) === undefined);
    fc.assert(
      fc.property(printable, (text) => {
        expect(safeText(4096).safeParse(`\t${text}😀é`).success).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(describeControl('a\u0000b')).toBe('a NUL byte');
    expect(describeControl('a\u0085')).toBe('control character U+0085');
    expect(describeControl('x\ud83d')).toBe('an unpaired surrogate U+D83D');
    expect(describeControl('line\nline\r\n', '\n\r')).toBeUndefined();
    expect(describeControl('line\nline\u0000', '\n\r')).toBe('a NUL byte');
    expect(replaceControls('a\u0000b\tc\nd\u0085\ud800😀', '\t\n')).toBe('a\uFFFDb\tc\nd\uFFFD\uFFFD😀');
  });

  it('refuses an oversized value by its size, before scanning it', () => {
    const result = safeText(8).safeParse('\u0000'.repeat(100));
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(['is 100 bytes; at most 8 allowed']);
  });
});

describe('excerpt', () => {
  it('quotes at most 64 characters, escaped, with an ellipsis when cut', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 5000 }), (value) => {
        const quoted = excerpt(value);
        expect(quoted.length).toBeLessThanOrEqual(2 + 64 * 6 + 1);
        expect(describeControl(quoted)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    expect(excerpt('a'.repeat(1_000_000))).toBe(`"${'a'.repeat(64)}"…`);
    expect(excerpt('a\u0000')).toBe('"a\\u0000"');
    expect(excerpt('\u007f\u0085\ud800')).toBe('"\\u007F\\u0085\\ud800"');
  });
});

describe('userRecord', () => {
  const env = userRecord(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), safeText(100));

  it('keeps prototype names as ordinary keys of a null-prototype object', () => {
    const input = JSON.parse(`{${PROTOTYPE_NAMES.map((n) => `"${n}": "v-${n}"`).join(',')}}`) as Record<string, unknown>;
    const parsed = env.parse(input);
    expect(Object.getPrototypeOf(parsed)).toBeNull();
    expect(Object.keys(parsed)).toEqual(PROTOTYPE_NAMES);
    for (const name of PROTOTYPE_NAMES) expect(ownValue(parsed, name)).toBe(`v-${name}`);
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(input);
  });

  it('reports bad keys and values by name, quoting a bounded excerpt', () => {
    const result = env.safeParse({ ['x'.repeat(10_000)]: 'v', GOOD: 'a\u0000' });
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((i) => `${i.path.join('.').slice(0, 10)}: ${i.message}`) ?? [];
    expect(messages.every((m) => m.length < 300)).toBe(true);
    expect(messages.join('\n')).toContain('GOOD: contains a NUL byte');
    expect(env.safeParse(['a']).success).toBe(false);
    expect(env.safeParse(null).success).toBe(false);
  });

  it('never finds a prototype member under a user name', () => {
    for (const name of PROTOTYPE_NAMES) {
      expect(ownValue({}, name)).toBeUndefined();
      expect(hasOwnKey({}, name)).toBe(false);
      expect(ownValue(undefined, name)).toBeUndefined();
    }
  });
});
