import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { countLabel, currentToken, FIRST_PAGE, hasPreviousPage, nextPage, pageRange, previousPage, type PagingState } from './paging';

describe('paging with page tokens', () => {
  it('goes forward with the server token and back with the kept one', () => {
    let s = FIRST_PAGE;
    expect(currentToken(s)).toBe('');
    s = nextPage(s, 't1');
    s = nextPage(s, 't2');
    expect(currentToken(s)).toBe('t2');
    expect(s.index).toBe(2);
    s = previousPage(s);
    expect(currentToken(s)).toBe('t1');
    s = nextPage(s, 't2b');
    expect(s.tokens).toEqual(['', 't1', 't2b']);
    s = previousPage(previousPage(previousPage(s)));
    expect(s).toEqual({ tokens: ['', 't1', 't2b'], index: 0 });
    expect(hasPreviousPage(s)).toBe(false);
  });

  it('stays on the last page when there is no next token', () => {
    expect(nextPage(FIRST_PAGE, '')).toBe(FIRST_PAGE);
  });

  it('keeps its invariants over any walk', () => {
    const step = fc.oneof(fc.constant<'prev'>('prev'), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let s: PagingState = FIRST_PAGE;
        for (const st of steps) s = st === 'prev' ? previousPage(s) : nextPage(s, st);
        expect(s.tokens[0]).toBe('');
        expect(s.index).toBeGreaterThanOrEqual(0);
        expect(s.index).toBeLessThan(s.tokens.length);
        expect(s.tokens.slice(1).every((t) => t !== '')).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('labels ranges and counts', () => {
    expect(pageRange(0, 50, 50)).toBe('1–50');
    expect(pageRange(199, 50, 12)).toBe('9951–9962');
    expect(pageRange(3, 50, 0)).toBe('none');
    expect(countLabel(500, true)).toBe('500+');
    expect(countLabel(7, false)).toBe('7');
  });
});
