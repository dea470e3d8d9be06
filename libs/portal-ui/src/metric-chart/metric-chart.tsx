import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignSeries, axisOfSeries, type ChartSeries, formatNumber, seriesLook, WHOLE_INCREMENTS, wholeNumbersOnly } from './chart-data';
import './metric-chart.css';

export interface MetricChartProps {
  /** The chart's title (a caption above it, and the numbers table's caption). */
  readonly title: string;
  /** What x is, e.g. "Iteration". */
  readonly xLabel: string;
  /** What y is, when every series shares it (e.g. "Value"). */
  readonly yLabel?: string;
  /** One line per series: several metrics, or one metric of several runs. */
  readonly series: readonly ChartSeries[];
  /** Drawing height in pixels (default 260); the width follows the container. */
  readonly height?: number;
}

/**
 * Line chart of several series (uPlot, canvas) with axis labels, a legend telling the
 * series apart by colour, dash and marker (a checkbox each shows or hides a series), and
 * a visually-hidden table of the same numbers. Series of a much larger magnitude than
 * the smallest are drawn against a right-hand axis (axisOfSeries). It follows its
 * container's width. Wrapper: `data-testid="metrics-chart"` and `data-points` = the
 * points drawn (all shown series).
 */
export function MetricChart({ title, xLabel, yLabel, series, height = 260 }: MetricChartProps) {
  const aligned = useMemo(() => alignSeries(series), [series]);
  const axes = useMemo(() => axisOfSeries(series), [series]);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const names = series.map((s) => s.name);
  const whole = wholeNumbersOnly(aligned.xs);
  const shape = JSON.stringify([names, axes, xLabel, yLabel ?? '', height, whole]);
  const target = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const drawn = aligned.ys.reduce((sum, ys, i) => (hidden.has(names[i] ?? '') ? sum : sum + ys.filter((y) => y !== null).length), 0);

  // (Re)create the chart when its series or labels change; data changes only redraw.
  useEffect(() => {
    const el = target.current;
    if (el === null || aligned.points === 0) return undefined;
    const [labels, sides, x, y, h, wholeX] = JSON.parse(shape) as [string[], (0 | 1)[], string, string, number, boolean];
    const axis = { stroke: '#2a2d36', grid: { stroke: '#e3e4e8' }, ticks: { stroke: '#c9cbd2' } };
    const onSide = (side: 0 | 1) => labels.filter((_, i) => sides[i] === side).join(', ');
    const twoAxes = sides.includes(1);
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: h,
        scales: { x: { time: false }, left: { auto: true }, right: { auto: true } },
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        axes: [
          { ...axis, label: x, ...(wholeX ? { incrs: WHOLE_INCREMENTS } : {}) },
          { ...axis, scale: 'left', label: y || shorten(onSide(0)), size: 60 },
          ...(twoAxes ? [{ ...axis, scale: 'right', side: 1 as const, label: shorten(onSide(1)), size: 60, grid: { show: false } }] : []),
        ],
        series: [
          { label: x },
          ...labels.map((name, i) => ({ label: name, scale: sides[i] === 1 ? 'right' : 'left', stroke: seriesLook(i).stroke, dash: seriesLook(i).dash, width: 2, spanGaps: true, points: { show: true, size: 7 } })),
        ],
      },
      [[], ...labels.map(() => [])],
      el,
    );
    chart.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: h }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      chart.current = null;
    };
  }, [shape, aligned.points === 0]);

  useEffect(() => {
    const u = chart.current;
    if (u === null) return;
    u.setData([aligned.xs, ...aligned.ys]);
    names.forEach((name, i) => u.setSeries(i + 1, { show: !hidden.has(name) }));
  }, [aligned, shape, hidden]); // names follow shape

  const toggle = (name: string) =>
    setHidden((before) => {
      const after = new Set(before);
      if (after.has(name)) after.delete(name);
      else after.add(name);
      return after;
    });

  const description = `${title}: line chart of ${names.join(', ') || 'no series'} by ${xLabel.toLowerCase()}; the numbers are in the table that follows.`;
  return (
    <figure className="cairn-chart" data-testid="metrics-chart" data-points={drawn}>
      <figcaption className="cairn-chart-title">{title}</figcaption>
      {aligned.points === 0 ? (
        <p className="cairn-chart-empty">No values yet.</p>
      ) : (
        <>
          <div ref={target} className="cairn-chart-plot" role="img" aria-label={description} />
          <ul className="cairn-chart-legend" aria-label={`${title}: legend (untick a series to hide it)`}>
            {series.map((s, i) => (
              <li key={`${i}:${s.name}`}>
                <label>
                  <input type="checkbox" checked={!hidden.has(s.name)} onChange={() => toggle(s.name)} />
                  <LegendSwatch index={i} />
                  <span>{s.name}</span>
                  {axes.includes(1) && <span className="cairn-chart-axis">({axes[i] === 1 ? 'right' : 'left'} axis)</span>}
                </label>
              </li>
            ))}
          </ul>
        </>
      )}
      {/* A wrapper hides it: a table box ignores the 1-pixel width and would widen the page. */}
      <div className="visually-hidden">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">{xLabel}</th>
              {series.map((s, i) => (
                <th scope="col" key={`${i}:${s.name}`}>
                  {s.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {aligned.xs.map((x, row) => (
              <tr key={x}>
                <th scope="row">{formatNumber(x)}</th>
                {aligned.ys.map((ys, i) => (
                  <td key={i}>{formatNumber(ys[row] ?? null)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** An axis label fits beside a 260 px plot. */
function shorten(text: string, max = 28): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function LegendSwatch({ index }: { readonly index: number }) {
  const look = seriesLook(index);
  return (
    <svg className="cairn-chart-swatch" width="34" height="12" viewBox="0 0 34 12" aria-hidden="true" focusable="false">
      <line x1="1" y1="6" x2="33" y2="6" stroke={look.stroke} strokeWidth="2.5" strokeDasharray={look.dash.join(' ') || undefined} />
      <text x="17" y="10" textAnchor="middle" fontSize="10" fill={look.stroke}>
        {look.marker}
      </text>
    </svg>
  );
}
