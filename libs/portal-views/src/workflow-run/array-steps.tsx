import { Link } from 'react-router';
import { ProgressBar, StateBadge } from '@cairn/portal-ui';
import type { Workflow } from '@cairn/portal-client';
import { arrayProgress } from './run-model';

/** Each array step instance: a progress bar of its items and the failed items named. */
export function ArraySteps({ workflow }: { readonly workflow: Workflow }) {
  const arrays = arrayProgress(workflow);
  if (arrays.length === 0) return null;
  return (
    <section aria-labelledby="run-arrays">
      <h2 id="run-arrays">Array steps</h2>
      <ul className="run-arrays">
        {arrays.map((a) => (
          <li key={a.key} data-testid="array-step" data-key={a.key}>
            <h3>
              {a.jobHref === undefined ? a.key : <Link to={a.jobHref}>{a.key}</Link>} <StateBadge state={a.state} />
            </h3>
            <ProgressBar label={`Items of ${a.key}`} total={a.total} done={a.done} failed={a.failed} running={a.running} />
            {a.failedText !== '' && (
              <p className="run-failed-items" data-testid="failed-items">
                {a.failedText}
              </p>
            )}
            {a.reason !== '' && <p className="run-step-reason">{a.reason}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
