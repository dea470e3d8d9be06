import { metricChart } from './metrics-chart';
import { formatMetric } from './render';

const points = (...ys: number[]) => ys.map((y, i) => ({ x: i + 1, y }));

describe('metricChart', () => {
  it('draws one bar per iteration in eighth-blocks, max and min on the axis, first and last iteration under it', () => {
    expect(metricChart(points(0.5, 0.75, 1), 2)).toEqual([
      '  1 ┤  ▁ █', // 0.75 is 9 of 16 eighths: a full bottom cell and an eighth above
      '0.5 ┤▁ █ █',
      '    └─────',
      '     1   3',
    ]);
  });

  it('keeps the smallest value visible and gives the largest the full height', () => {
    const rows = metricChart(points(10, 0, 5), 4);
    const column = (i: number) => rows.slice(0, 4).map((r) => [...r][r.search(/[┤│]/) + 1 + i * 2] ?? ' ').join('');
    expect(column(0)).toBe('████'); // 10: top
    expect(column(1)).toBe('   ▁'); // 0: an eighth
    expect(column(2)).toBe(' ▁██'); // 5: 17 of 32 eighths
  });

  it('draws equal values at half height with one label', () => {
    expect(metricChart(points(2, 2), 2)).toEqual(['2 ┤', '  │█ █', '  └───', '   1 2']);
  });

  it('labels the iterations it was given, not their positions', () => {
    const rows = metricChart([
      { x: 3, y: 1 },
      { x: 7, y: 2 },
    ]);
    expect(rows[rows.length - 1]?.trim()).toBe('3 7');
  });

  it('thins long series to maxWidth columns without gaps, keeping the last iteration', () => {
    const rows = metricChart(
      Array.from({ length: 100 }, (_, i) => ({ x: i + 1, y: i })),
      3,
      40,
    );
    const axis = rows[rows.length - 2] ?? '';
    expect(axis.slice(axis.indexOf('└') + 1)).toBe('─'.repeat(40));
    expect(rows[rows.length - 1]?.trim()).toMatch(/^1 +100$/);
    expect(rows[0]).toMatch(/^99 ┤.*█$/);
  });

  it('skips missing values and says when there is nothing to draw', () => {
    expect(metricChart([])).toEqual(['(no values)']);
    expect(metricChart([{ x: 1, y: Number.NaN }])).toEqual(['(no values)']);
    expect(metricChart([{ x: 1, y: Number.NaN }, { x: 2, y: 3 }], 1)).toEqual(['3 ┤▄', '  └─', '   2']);
  });
});

describe('formatMetric', () => {
  it.each([
    [0.912345, '0.9123'],
    [12.5, '12.5'],
    [1234, '1234'],
    [-3, '-3'],
    [1234567.8, '1235000'],
    [0.0000123456, '0.00001235'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
  ])('%d as %s', (value, text) => expect(formatMetric(value)).toBe(text));
});
