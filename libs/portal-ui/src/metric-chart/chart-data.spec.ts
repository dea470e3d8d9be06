import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { alignSeries, axisOfSeries, formatNumber, seriesLook, wholeNumbersOnly } from './chart-data';

describe('alignSeries', () => {
  it('puts several series on one sorted x axis with gaps where one has no point', () => {
    const aligned = alignSeries([
      { name: 'loss', points: [[2, 0.5], [1, 0.9], [3, 0.3]] },
      { name: 'accuracy', points: [[1, 0.6], [3, 0.8]] },
    ]);
    expect(aligned.xs).toEqual([1, 2, 3]);
    expect(aligned.ys).toEqual([
      [0.9, 0.5, 0.3],
      [0.6, null, 0.8],
    ]);
    expect(aligned.points).toBe(5);
  });

  it('leaves out points that are not finite and keeps the last of two at one x', () => {
    const aligned = alignSeries([{ name: 'm', points: [[1, Number.NaN], [Number.POSITIVE_INFINITY, 1], [2, 1], [2, 7], [-0, 3]] }]);
    expect(aligned.xs).toEqual([0, 2]);
    expect(aligned.ys).toEqual([[3, 7]]);
    expect(aligned.points).toBe(2);
  });

  it('for any series: xs sorted and unique, each y list as long as xs, points = the non-null ys', () => {
    const point = fc.tuple(fc.double({ noDefaultInfinity: false }), fc.double());
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.string(), points: fc.array(point, { maxLength: 30 }) }), { maxLength: 6 }), (series) => {
        const aligned = alignSeries(series);
        for (let i = 1; i < aligned.xs.length; i++) expect((aligned.xs[i] as number) > (aligned.xs[i - 1] as number)).toBe(true);
        expect(aligned.ys).toHaveLength(series.length);
        for (const ys of aligned.ys) expect(ys).toHaveLength(aligned.xs.length);
        expect(aligned.points).toBe(aligned.ys.flat().filter((y) => y !== null).length);
        expect(aligned.ys.flat().every((y) => y === null || Number.isFinite(y))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('draws nothing for no series', () => {
    expect(alignSeries([])).toEqual({ xs: [], ys: [], points: 0 });
  });
});

describe('seriesLook', () => {
  it('gives neighbouring series different colours, dashes and markers', () => {
    for (let i = 0; i < 20; i++) {
      const a = seriesLook(i);
      const b = seriesLook(i + 1);
      expect(a.stroke).not.toBe(b.stroke);
      expect(a.dash).not.toEqual(b.dash);
      expect(a.marker).not.toBe(b.marker);
    }
  });
});

describe('formatNumber', () => {
  it('shows integers whole, fractions to 6 significant digits and a gap as a dash', () => {
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(0.123456789)).toBe('0.123457');
    expect(formatNumber(null)).toBe('–');
  });
});

describe('wholeNumbersOnly', () => {
  it('tells iterations from fractions', () => {
    expect(wholeNumbersOnly([1, 2, 3])).toBe(true);
    expect(wholeNumbersOnly([1, 2.5])).toBe(false);
    expect(wholeNumbersOnly([])).toBe(true);
  });
});

describe('axisOfSeries', () => {
  const s = (name: string, ys: number[]) => ({ name, points: ys.map((y, i): [number, number] => [i + 1, y]) });
  it('keeps metrics of one magnitude on the left axis and puts much larger ones on the right', () => {
    expect(axisOfSeries([s('val_accuracy', [0.6, 0.92]), s('val_loss', [0.9, 0.3]), s('labelled', [20, 70, 2000]), s('iteration', [1, 2, 3])])).toEqual([0, 0, 1, 0]);
    expect(axisOfSeries([s('a', [0.5]), s('b', [0.9])])).toEqual([0, 0]);
    expect(axisOfSeries([s('empty', []), s('zeros', [0, 0]), s('big', [1e6])])).toEqual([0, 0, 0]);
    expect(axisOfSeries([s('neg', [-500]), s('small', [0.1])])).toEqual([1, 0]);
  });

  it('draws the active-learning example\'s metrics well after its first iteration (a tiny training loss does not push the rest right)', () => {
    const first = { train_loss: 0.0195, val_loss: 0.645, val_accuracy: 0.78, train_accuracy: 1, iteration: 1, labelled: 20, val_size: 1000 };
    const axes = axisOfSeries(Object.entries(first).map(([name, v]) => s(name, [v])));
    expect(Object.fromEntries(Object.keys(first).map((name, i) => [name, axes[i]]))).toEqual({ train_loss: 0, val_loss: 0, val_accuracy: 0, train_accuracy: 0, iteration: 0, labelled: 1, val_size: 1 });
  });

  it('for any series: one axis each, and the series of the smallest magnitude on the left', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.string(), points: fc.array(fc.tuple(fc.double(), fc.double()), { maxLength: 10 }) }), { maxLength: 8 }), (series) => {
        const axes = axisOfSeries(series);
        expect(axes).toHaveLength(series.length);
        if (series.length > 0) expect(axes.includes(0)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
