import type { Workflow } from '@cairn/portal-client';
import { formatAbsolute, formatDuration, MetricChart, StateBadge, TableScroll, useNow } from '@cairn/portal-ui';
import { Link } from 'react-router';
import { experimentRows, metricNames, metricSeries, shortId } from './experiment-model';

const formatValue = (v: number | undefined) => (v === undefined ? '—' : Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))));

/**
 * The compared runs: one chart per metric with a curve per run (x = loop iteration), then
 * the final metrics, one row per run.
 */
export function ExperimentCompare({ runs, loading }: { readonly runs: readonly Workflow[]; readonly loading: boolean }) {
  const now = useNow();
  if (runs.length === 0) return loading ? <p>Loading the runs to compare…</p> : null;
  const names = metricNames(runs);
  const series = metricSeries(runs);
  const rows = experimentRows(runs, now.getTime());
  return (
    <>
      <section aria-labelledby="curves-heading">
        <h2 id="curves-heading">Metric curves</h2>
        {names.length === 0 && <p>None of these runs has reported metrics yet (metrics come from a loop's iterations).</p>}
        <div className="cards cards-wide">
          {names.map((metric) => (
            <div key={metric} className="card">
              <MetricChart title={metric} xLabel="Iteration" yLabel={metric} series={series.get(metric) ?? []} />
            </div>
          ))}
        </div>
      </section>
      <section aria-labelledby="final-heading">
        <h2 id="final-heading">Final metrics</h2>
        <TableScroll label="Final metrics of the compared runs">
          <table data-testid="experiment-table">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">State</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Iterations</th>
                {names.map((m) => (
                  <th key={m} scope="col">
                    {m}
                  </th>
                ))}
                <th scope="col">How it ended</th>
                <th scope="col">Last decision</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.runId} data-run={row.runId}>
                  <th scope="row" className="id">
                    <Link to={`/workflows/${encodeURIComponent(row.runId)}`}>{shortId(row.runId)}</Link>
                  </th>
                  <td>
                    <StateBadge state={row.state} />
                  </td>
                  <td>{row.started === undefined ? '—' : formatAbsolute(new Date(row.started))}</td>
                  <td className="num">{row.durationSeconds === undefined ? '—' : formatDuration(row.durationSeconds)}</td>
                  <td className="num">{row.iterations}</td>
                  {names.map((m) => (
                    <td key={m} className="num">
                      {formatValue(Object.hasOwn(row.last, m) ? row.last[m] : undefined)}
                    </td>
                  ))}
                  <td>{row.outcome || '—'}</td>
                  <td>
                    <code>{row.decision || '—'}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>
    </>
  );
}
