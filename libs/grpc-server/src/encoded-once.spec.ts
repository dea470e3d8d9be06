import fc from 'fast-check';
import { EncodedOnce } from './encoded-once';

interface Source {
  values: number[];
}
interface Answer {
  total: number;
  count: number;
}

/** An EncodedOnce that counts how often it makes and encodes. */
function counting() {
  const counts = { make: 0, encode: 0 };
  const once = new EncodedOnce<Source, Answer>(
    (source) => {
      counts.make += 1;
      return { total: source.values.reduce((a, b) => a + b, 0), count: source.values.length };
    },
    (answer) => {
      counts.encode += 1;
      return new TextEncoder().encode(JSON.stringify(answer));
    },
  );
  return { once, counts };
}

describe('EncodedOnce', () => {
  it('makes an answer once per source object and encodes it once, whatever the calls', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer(), { maxLength: 5 }), { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (values, picks) => {
        const { once, counts } = counting();
        const sources: Source[] = values.map((v) => ({ values: v }));
        const used = new Set<number>();
        for (const pick of picks) {
          const index = pick % sources.length;
          used.add(index);
          const source = sources[index] as Source;
          const answer = once.answer(source);
          expect(answer).toBe(once.answer(source));
          const bytes = once.serialize(answer);
          expect(once.serialize(answer)).toBe(bytes);
          expect(JSON.parse(bytes.toString())).toEqual({ total: source.values.reduce((a, b) => a + b, 0), count: source.values.length });
        }
        expect(counts).toEqual({ make: used.size, encode: used.size });
      }),
      { numRuns: 200 },
    );
  });

  it('gives another source object, even an equal one, its own answer', () => {
    const { once, counts } = counting();
    const first = once.answer({ values: [1, 2] });
    const second = once.answer({ values: [1, 2] });
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
    expect(counts.make).toBe(2);
  });

  it('encodes an answer it did not make afresh each time (it may change between calls)', () => {
    const { once, counts } = counting();
    const answer: Answer = { total: 1, count: 1 };
    const before = once.serialize(answer);
    answer.total = 2;
    const after = once.serialize(answer);
    expect(JSON.parse(before.toString())).toEqual({ total: 1, count: 1 });
    expect(JSON.parse(after.toString())).toEqual({ total: 2, count: 1 });
    expect(counts.encode).toBe(2);
  });
});
