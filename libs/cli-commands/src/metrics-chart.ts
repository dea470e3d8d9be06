import { formatMetric } from './render';

export interface ChartPoint {
  /** The iteration. */
  x: number;
  y: number;
}

const LEVELS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * A bar chart of a metric over iterations, `height` rows of eighth-blocks: max and min
 * labelled on the axis, the first and last iteration under it. The smallest value keeps
 * an eighth so every point shows; equal values draw at half height. More points than
 * `maxWidth` are thinned evenly (the last one always kept).
 */
export function metricChart(points: readonly ChartPoint[], height = 6, maxWidth = 60): string[] {
  const shown = thin(
    points.filter((p) => Number.isFinite(p.y)),
    maxWidth,
  );
  const first = shown[0];
  const last = shown[shown.length - 1];
  if (!first || !last) return ['(no values)'];
  const ys = shown.map((p) => p.y);
  const min = Math.min(...ys);
  const max = Math.max(...ys);
  const eighths = height * 8;
  const level = (y: number) => (max === min ? Math.ceil(eighths / 2) : 1 + Math.round(((y - min) / (max - min)) * (eighths - 1)));
  const gap = shown.length * 2 - 1 <= maxWidth ? ' ' : '';
  const top = formatMetric(max);
  const bottom = max === min ? '' : formatMetric(min);
  const labelWidth = Math.max(top.length, bottom.length);
  const rows: string[] = [];
  for (let row = height - 1; row >= 0; row -= 1) {
    const label = row === height - 1 ? top : row === 0 ? bottom : '';
    const axis = label ? '┤' : '│';
    const cells = shown.map((p) => LEVELS[Math.min(8, Math.max(0, level(p.y) - row * 8))] ?? ' ').join(gap);
    rows.push(`${label.padStart(labelWidth)} ${axis}${cells}`.trimEnd());
  }
  const plotWidth = shown.length + gap.length * (shown.length - 1);
  rows.push(`${' '.repeat(labelWidth)} └${'─'.repeat(plotWidth)}`);
  const firstX = String(first.x);
  const lastX = shown.length > 1 ? String(last.x) : '';
  rows.push(`${' '.repeat(labelWidth + 2)}${firstX}${lastX.padStart(Math.max(lastX.length + 1, plotWidth - firstX.length))}`.trimEnd());
  return rows;
}

function thin(points: ChartPoint[], maxWidth: number): ChartPoint[] {
  if (points.length <= maxWidth) return points;
  const step = (points.length - 1) / (maxWidth - 1);
  return Array.from({ length: maxWidth }, (_, i) => points[Math.round(i * step)]).filter((p): p is ChartPoint => p !== undefined);
}
