import fc from 'fast-check';
import { findReferences, templateSpans } from './templates';

describe('hostile workflow files [property-based]', () => {
  it('finds ${{ ... }} references as the regular expression did, in one linear scan', () => {
    const reference = /\$\{\{\s*(.*?)\s*\}\}/g;
    fc.assert(
      fc.property(fc.array(fc.constantFrom('$', '{', '}', ' ', 'a', '.', '${{', '}}'), { maxLength: 30 }), (parts) => {
        const value = parts.join('');
        expect(templateSpans(value).map((s) => s.text)).toEqual([...value.matchAll(reference)].map((m) => m[1]));
      }),
      { numRuns: 2000 },
    );
    // Thousands of spaces after "${{" (seconds of backtracking for the expression) scan at once.
    const pathological = `\${{${' '.repeat(4090)}`;
    expect(templateSpans(pathological)).toEqual([]);
    expect(findReferences(pathological)).toEqual([{ text: pathological, error: 'an unclosed "${{"' }]);
    expect(templateSpans(`\${{${' '.repeat(4000)}item }}`)).toEqual([{ start: 0, end: 4010, text: 'item' }]);
  });
});
