import { useMemo } from 'react';
import { MetricChart, StateBadge, stepStateName, TableScroll, Duration } from '@cairn/portal-ui';
import type { LoopIteration, Workflow } from '@cairn/portal-client';
import { decisionText, iterationSeries, loopsOf, metricNames, metricText, stopText } from './run-model';

/** Every loop's iterations: a chart of its metrics by iteration, then a table (metrics, decision, stop). */
export function LoopIterations({ workflow }: { readonly workflow: Workflow }) {
  const loops = useMemo(() => loopsOf(workflow.iterations), [workflow.iterations]);
  if (loops.length === 0) return null;
  return (
    <section aria-labelledby="run-iterations">
      <h2 id="run-iterations">Loop iterations</h2>
      {workflow.omittedIterations > 0 && (
        <p className="notice">
          The {workflow.omittedIterations} oldest iteration{workflow.omittedIterations === 1 ? ' is' : 's are'} left out: the run is too large for one answer.
        </p>
      )}
      {loops.map((loop) => (
        <LoopSection key={loop} loop={loop} iterations={workflow.iterations} />
      ))}
    </section>
  );
}

function LoopSection({ loop, iterations }: { readonly loop: string; readonly iterations: readonly LoopIteration[] }) {
  const mine = useMemo(() => iterations.filter((i) => i.loop === loop).sort((a, b) => a.iteration - b.iteration), [iterations, loop]);
  const series = useMemo(() => iterationSeries(mine, loop), [mine, loop]);
  const names = useMemo(() => metricNames(mine), [mine]);
  const headingId = `loop-${loop.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  return (
    <section aria-labelledby={headingId}>
      <h3 id={headingId}>
        Loop <code>{loop}</code>
      </h3>
      <MetricChart title={`Metrics of ${loop} by iteration`} xLabel="Iteration" series={series} />
      <TableScroll label={`Iterations of ${loop}`}>
        <table data-testid="iteration-table">
          <caption className="visually-hidden">Iterations of loop {loop}: state, metrics, decision and why it stopped</caption>
          <thead>
            <tr>
              <th scope="col">Iteration</th>
              <th scope="col">State</th>
              {names.map((name) => (
                <th scope="col" key={name}>
                  {name}
                </th>
              ))}
              <th scope="col">Decision</th>
              <th scope="col">Stop</th>
              <th scope="col">Took</th>
            </tr>
          </thead>
          <tbody>
            {mine.map((it) => (
              <tr key={it.iteration} data-iteration={it.iteration}>
                <th scope="row">{it.iteration}</th>
                <td>
                  <StateBadge state={stepStateName(it.state)} />
                </td>
                {names.map((name) => (
                  <td key={name} className="num">
                    {metricText(Object.hasOwn(it.metrics, name) ? it.metrics[name] : undefined)}
                  </td>
                ))}
                <td className="run-decision">
                  <Decision text={it.decision} />
                </td>
                <td>{stopText(it.stop) || '—'}</td>
                <td>
                  <Duration from={it.startTime} {...(it.endTime ? { to: it.endTime } : {})} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </section>
  );
}

/** The decide step's JSON on one line; when shortened, the whole of it one click away. */
function Decision({ text }: { readonly text: string }) {
  if (text.trim() === '') return <>—</>;
  const short = decisionText(text);
  if (!short.endsWith('…')) return <code>{short}</code>;
  return (
    <details>
      <summary>
        <code>{short}</code>
      </summary>
      <pre className="run-decision-full" tabIndex={0}>
        {text}
      </pre>
    </details>
  );
}
