import type { Job, Workflow } from '@cairn/portal-client';
import { jobStateName, RelativeTime, StateBadge, TableScroll, workflowStateName } from '@cairn/portal-ui';
import { Link } from 'react-router';
import { effectiveState, type LiveStates } from './live-states';

interface TableProps<T> {
  readonly rows: readonly T[];
  readonly live: LiveStates;
  /** What the table holds, e.g. "My recent workflows" (its caption and region name). */
  readonly caption: string;
  /** Show whose work each row is (admins see everyone's). */
  readonly showOwner?: boolean;
}

function EmptyRow({ columns, text }: { readonly columns: number; readonly text: string }) {
  return (
    <tr>
      <td colSpan={columns}>{text}</td>
    </tr>
  );
}

/** Runs, one row each linking to `/workflows/<id>`, with their state (live where watched). */
export function WorkflowTable({ rows, live, caption, showOwner = false }: TableProps<Workflow>) {
  return (
    <TableScroll label={caption}>
      <table data-testid="workflow-list">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Workflow</th>
            <th scope="col">State</th>
            {showOwner && <th scope="col">Owner</th>}
            <th scope="col">Account</th>
            <th scope="col">Site</th>
            <th scope="col">Started</th>
            <th scope="col">Run id</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && <EmptyRow columns={showOwner ? 7 : 6} text="No workflow runs." />}
          {rows.map((w) => (
            <tr key={w.runId}>
              <td>
                <Link to={`/workflows/${w.runId}`}>{w.name || w.runId}</Link>
              </td>
              <td>
                <StateBadge state={effectiveState(live, w.runId, workflowStateName(w.state))} />
              </td>
              {showOwner && <td>{w.owner?.name ?? ''}</td>}
              <td>{w.account}</td>
              <td>{w.site}</td>
              <td>
                <RelativeTime time={w.createTime} />
              </td>
              <td className="id" title={w.runId}>
                {w.runId.slice(0, 8)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

/** Jobs, one row each linking to `/jobs/<id>`, with their state (live where watched). */
export function JobTable({ rows, live, caption, showOwner = false }: TableProps<Job>) {
  return (
    <TableScroll label={caption}>
      <table data-testid="job-list">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">State</th>
            {showOwner && <th scope="col">Owner</th>}
            <th scope="col">Account</th>
            <th scope="col">Site</th>
            <th scope="col">Slurm job</th>
            <th scope="col">Submitted</th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 && <EmptyRow columns={showOwner ? 7 : 6} text="No jobs." />}
          {rows.map((j) => (
            <tr key={j.jobId}>
              <td>
                <Link to={`/jobs/${j.jobId}`}>{j.spec?.name || j.jobId}</Link>
              </td>
              <td>
                <StateBadge state={effectiveState(live, j.jobId, jobStateName(j.state))} />
              </td>
              {showOwner && <td>{j.owner?.name ?? ''}</td>}
              <td>{j.account}</td>
              <td>{j.spec?.site ?? ''}</td>
              <td className="id">{j.slurmJobId || '—'}</td>
              <td>
                <RelativeTime time={j.createTime} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
