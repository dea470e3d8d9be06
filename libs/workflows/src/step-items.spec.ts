import fc from 'fast-check';
import { describeControl } from '@cairn/contracts';
import { parseItemLines, parseItemList } from './step-items';

describe('hostile workflow files [property-based]', () => {
  it('items read at run time (array.from, array.lines) follow the same rules: scalars, no control characters, bounded', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { minLength: 1, maxLength: 5 }), (items) => {
        try {
          for (const item of parseItemList(JSON.stringify(items), 'next.json')) {
            if (typeof item === 'string') expect(describeControl(item)).toBeUndefined();
            else expect(Number.isFinite(item)).toBe(true);
          }
        } catch (error) {
          expect((error as Error).name).toBe('RenderError');
        }
      }),
      { numRuns: 300 },
    );
    expect(() => parseItemList('["a", "b\\u0000"]', 'next.json')).toThrow('array.from: item 1 of next.json contains a NUL byte');
    expect(() => parseItemList('[{"name": "x"}]', 'next.json')).toThrow('is not a string, number or boolean');
    expect(() => parseItemList(JSON.stringify(['x'.repeat(4097)]), 'next.json')).toThrow('longer than 4096 bytes');
    expect(() => parseItemLines('ok\nbad\u0085\n', 'items.txt')).toThrow('line 2 of items.txt contains control character U+0085');
  });
});

describe('item lines', () => {
  it('drops blank lines and carriage returns, and refuses control characters', () => {
    expect(parseItemLines('a\r\n\n b \n', 'f')).toEqual(['a', ' b ']);
    expect(() => parseItemLines('\n\n', 'f')).toThrow('array.lines: f has no items');
    expect(() => parseItemLines('ok\nbad\u0007\n', 'f')).toThrow('array.lines: line 2 of f contains control character U+0007');
  });
});
