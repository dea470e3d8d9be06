/** One line of a chart: a metric of a run, as (x, y) points. */
export interface ChartSeries {
  name: string;
  points: readonly (readonly [number, number])[];
}

/** The series on one x axis, as uPlot takes them: each y list matches `xs`, null where a series has no point. */
export interface AlignedSeries {
  xs: number[];
  ys: (number | null)[][];
  /** Points drawn, all series together. */
  points: number;
}

/**
 * Puts several series on one sorted x axis (the union of their x values). Points whose x
 * or y is not a finite number are left out; a series with two points at one x keeps the
 * last.
 */
export function alignSeries(series: readonly ChartSeries[]): AlignedSeries {
  const maps = series.map((s) => {
    const byX = new Map<number, number>();
    for (const [x, y] of s.points) if (Number.isFinite(x) && Number.isFinite(y)) byX.set(x === 0 ? 0 : x, y);
    return byX;
  });
  const xs = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort((a, b) => a - b);
  const ys = maps.map((m) => xs.map((x) => m.get(x) ?? null));
  const points = maps.reduce((sum, m) => sum + m.size, 0);
  return { xs, ys, points };
}

/** How a series is drawn: a colour and, so colour is not its only sign, a dash pattern and a point shape. */
export interface SeriesLook {
  stroke: string;
  /** Canvas/SVG dash: empty for solid. */
  dash: number[];
  /** Shown in the legend and the numbers table's header. */
  marker: string;
}

const COLOURS = ['#1f5fbf', '#b3261e', '#1e7b3a', '#8a5300', '#6a3fb5', '#00707a', '#a3366f', '#3d4150'];
const DASHES: number[][] = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [14, 4]];
const MARKERS = ['●', '■', '▲', '◆', '▼', '✚', '○', '□'];

/** The look of the i-th series (cycling through colours, dashes and markers independently). */
export function seriesLook(i: number): SeriesLook {
  const n = Math.max(0, Math.trunc(i));
  return { stroke: COLOURS[n % COLOURS.length] as string, dash: DASHES[n % DASHES.length] as number[], marker: MARKERS[n % MARKERS.length] as string };
}

/** A number as a table shows it: up to 6 significant digits, no trailing zeros. */
export function formatNumber(value: number | null): string {
  if (value === null) return '–';
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  return String(Number(value.toPrecision(6)));
}

/** Whether every x is a whole number (iterations): the axis then ticks at whole numbers only. */
export function wholeNumbersOnly(xs: readonly number[]): boolean {
  return xs.every((x) => Number.isInteger(x));
}

/** Increments an axis of whole numbers may tick at. */
export const WHOLE_INCREMENTS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1_000_000];

/**
 * Which y axis each series is drawn against, so a metric of a much larger magnitude
 * (e.g. "labelled": 2000) does not flatten the others (accuracy: 0.9): a series whose
 * largest absolute value is more than ten times the median of the series' largest values
 * goes to the right axis (1), every other to the left (0). Series with no points, or only
 * zeros, go left and do not count towards the median.
 */
export function axisOfSeries(series: readonly ChartSeries[]): (0 | 1)[] {
  const magnitude = series.map((s) => s.points.reduce((m, [x, y]) => (Number.isFinite(x) && Number.isFinite(y) ? Math.max(m, Math.abs(y)) : m), 0));
  const nonZero = magnitude.filter((m) => m > 0).sort((a, b) => a - b);
  if (nonZero.length === 0) return series.map(() => 0);
  const median = nonZero[Math.floor((nonZero.length - 1) / 2)] as number;
  return magnitude.map((m) => (m > median * 10 ? 1 : 0));
}
