import { useMemo } from 'react';
import { Link } from 'react-router';
import { Dag, RelativeTime, StateBadge, stepDetail, stepHref, stepStateName, TableScroll, workflowToDag } from '@cairn/portal-ui';
import type { Workflow } from '@cairn/portal-client';

/** Rows the step table shows at most (the newest instances). */
export const MAX_STEP_ROWS = 300;

/** The graph of step instances with their live states, then a table of them (attempts, Slurm ids, jobs). */
export function RunSteps({ workflow }: { readonly workflow: Workflow }) {
  const { steps, plan, iterations, runId, omittedSteps } = workflow;
  const model = useMemo(() => workflowToDag({ ...workflow, steps, plan, iterations }), [steps, plan, iterations]);
  const rows = steps.length > MAX_STEP_ROWS ? steps.slice(steps.length - MAX_STEP_ROWS) : steps;
  const left = omittedSteps + (steps.length - rows.length);
  return (
    <section aria-labelledby="run-steps">
      <h2 id="run-steps">Steps</h2>
      {steps.length === 0 ? (
        <p>No step has started yet.</p>
      ) : (
        <Dag nodes={model.nodes} edges={model.edges} ariaLabel={`Steps of run ${runId}`} />
      )}
      {(model.hidden > 0 || omittedSteps > 0) && (
        <p className="notice">
          {model.hidden + omittedSteps} older step instance{model.hidden + omittedSteps === 1 ? '' : 's'} of loop iterations {model.hidden + omittedSteps === 1 ? 'is' : 'are'} not drawn; the iterations table below has every iteration.
        </p>
      )}
      {steps.length > 0 && (
        <details className="run-step-table">
          <summary>Step instances as a table</summary>
          <TableScroll label="Step instances">
            <table>
              <caption className="visually-hidden">Step instances of the run{left > 0 ? `; the ${left} oldest are not listed` : ''}</caption>
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col">State</th>
                  <th scope="col">Details</th>
                  <th scope="col">Slurm job</th>
                  <th scope="col">Started</th>
                  <th scope="col">Ended</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((step) => {
                  const href = stepHref(step);
                  return (
                    <tr key={step.key}>
                      <th scope="row">{href === undefined ? step.key : <Link to={href}>{step.key}</Link>}</th>
                      <td>
                        <StateBadge state={stepStateName(step.state)} />
                      </td>
                      <td>{[stepDetail(step), step.requeues > 0 ? `${step.requeues} requeue${step.requeues === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ') || '—'}</td>
                      <td>{step.slurmJobIds.join(', ') || '—'}</td>
                      <td>
                        <RelativeTime time={step.startTime} />
                      </td>
                      <td>
                        <RelativeTime time={step.endTime} />
                      </td>
                      <td>{step.reason || '—'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableScroll>
          {left > 0 && <p>The {left} oldest step instances are not listed.</p>}
        </details>
      )}
    </section>
  );
}
