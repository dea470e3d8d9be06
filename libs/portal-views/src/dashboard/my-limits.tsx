import { useId } from 'react';
import { client, JobService, type RunUsage, WorkflowService } from '@cairn/portal-client';
import { ErrorMessage, TableScroll } from '@cairn/portal-ui';
import { useQuery } from '@tanstack/react-query';

/** Refreshed with the counts (once a minute) and whenever the dashboard is opened again. */
const USAGE_REFRESH_MS = 60_000;

/** One limit as a meter: how much is used, of how much, and when it is full, that new ones are refused. */
function UsageMeter({ usage, what }: { readonly usage: RunUsage; readonly what: string }) {
  const full = usage.used >= usage.limit;
  const share = usage.limit > 0 ? Math.min(100, (usage.used / usage.limit) * 100) : 100;
  const text = `${usage.used} of ${usage.limit}`;
  return (
    <div className="usage" title={`the limit is the scheduler's ${usage.setting}`}>
      <div className="usage-track" role="meter" aria-label={what} aria-valuemin={0} aria-valuemax={usage.limit} aria-valuenow={usage.used} aria-valuetext={text}>
        <span className={full ? 'usage-used usage-full' : 'usage-used'} style={{ width: `${share}%` }} />
      </div>
      <span className="usage-text" data-testid="usage-text">
        {text}
      </span>
      {full && <strong className="usage-refused">full: new ones are refused until some end</strong>}
    </div>
  );
}

interface Row {
  readonly key: string;
  readonly what: string;
  readonly whose: string;
  readonly usage: RunUsage;
}

function rowsOf(what: string, answer: { person?: RunUsage; projects: RunUsage[] } | undefined): Row[] {
  if (!answer) return [];
  const rows: Row[] = [];
  if (answer.person) rows.push({ key: `${what} person`, what, whose: `you (${answer.person.name})`, usage: answer.person });
  for (const project of answer.projects) rows.push({ key: `${what} ${project.name}`, what, whose: `account ${project.name}`, usage: project });
  return rows;
}

/**
 * `/`, "Your limits": the run limits a submission is checked against (GetJobUsage,
 * GetWorkflowUsage): yours and each account you may charge, each a meter with its numbers.
 */
export function MyLimits() {
  const titleId = useId();
  const jobs = useQuery({
    queryKey: ['cairn', 'jobs', 'usage'],
    queryFn: ({ signal }) => client(JobService).getJobUsage({}, { signal }),
    refetchInterval: USAGE_REFRESH_MS,
  });
  const runs = useQuery({
    queryKey: ['cairn', 'workflows', 'usage'],
    queryFn: ({ signal }) => client(WorkflowService).getWorkflowUsage({}, { signal }),
    refetchInterval: USAGE_REFRESH_MS,
  });
  const rows = [...rowsOf('jobs not yet finished', jobs.data), ...rowsOf('workflow runs running', runs.data)];
  const error = jobs.error ?? runs.error;
  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId}>Your limits</h2>
      {rows.length > 0 && (
        <TableScroll label="Your limits">
          <table className="limits">
            <thead>
              <tr>
                <th scope="col">What</th>
                <th scope="col">Whose</th>
                <th scope="col">Used</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.key}>
                  <td>{row.what}</td>
                  <td>{row.whose}</td>
                  <td>
                    <UsageMeter usage={row.usage} what={`${row.what}: ${row.whose}`} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {jobs.isPending && runs.isPending && <p>Loading…</p>}
      {error !== null && <ErrorMessage error={error} context="Could not read your limits" />}
    </section>
  );
}
