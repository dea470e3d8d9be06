import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignSeries, type ChartSeries, formatNumber, seriesLook } from './chart-data';
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
 * series apart by colour, dash and marker, and a visually-hidden table of the same
 * numbers. It follows its container's width. Wrapper: `data-testid="metrics-chart"` and
 * `data-points` = the points drawn (all series).
 */
export function MetricChart({ title, xLabel, yLabel, series, height = 260 }: MetricChartProps) {
  const aligned = useMemo(() => alignSeries(series), [series]);
  const names = series.map((s) => s.name);
  const shape = JSON.stringify([names, xLabel, yLabel ?? '', height]);
  const target = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);

  // (Re)create the chart when its series or labels change; data changes only redraw.
  useEffect(() => {
    const el = target.current;
    if (el === null || aligned.points === 0) return undefined;
    const [labels, x, y, h] = JSON.parse(shape) as [string[], string, string, number];
    const axis = { stroke: '#2a2d36', grid: { stroke: '#e3e4e8' }, ticks: { stroke: '#c9cbd2' } };
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height: h,
        scales: { x: { time: false } },
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        axes: [
          { ...axis, label: x },
          { ...axis, label: y, size: 60 },
        ],
        series: [{ label: x }, ...labels.map((name, i) => ({ label: name, stroke: seriesLook(i).stroke, dash: seriesLook(i).dash, width: 2, spanGaps: true, points: { show: true, size: 7 } }))],
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
    chart.current?.setData([aligned.xs, ...aligned.ys]);
  }, [aligned, shape]);

  const description = `${title}: line chart of ${names.join(', ') || 'no series'} by ${xLabel.toLowerCase()}; the numbers are in the table that follows.`;
  return (
    <figure className="cairn-chart" data-testid="metrics-chart" data-points={aligned.points}>
      <figcaption className="cairn-chart-title">{title}</figcaption>
      {aligned.points === 0 ? (
        <p className="cairn-chart-empty">No values yet.</p>
      ) : (
        <>
          <div ref={target} className="cairn-chart-plot" role="img" aria-label={description} />
          <ul className="cairn-chart-legend" aria-label={`${title}: legend`}>
            {series.map((s, i) => (
              <li key={`${i}:${s.name}`}>
                <LegendSwatch index={i} />
                <span>{s.name}</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <table className="visually-hidden">
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
    </figure>
  );
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
