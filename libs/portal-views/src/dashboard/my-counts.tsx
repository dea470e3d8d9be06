import { useId } from 'react';
import { client, countLabel, JobService, JobState, WorkflowService, WorkflowState } from '@cairn/portal-client';
import { ErrorMessage } from '@cairn/portal-ui';
import { useQuery } from '@tanstack/react-query';

/** The most a count asks for: one page (past it the count reads "500+"). */
const COUNT_PAGE = 500;
/** Counts are a summary, not a run's state: refreshed once a minute (the rows above are live). */
const COUNT_REFRESH_MS = 60_000;

interface Count {
  readonly rows: number;
  readonly more: boolean;
}

function useJobCount(states: JobState[]) {
  return useQuery<Count>({
    queryKey: ['cairn', 'jobs', 'count', states],
    queryFn: async ({ signal }) => {
      const r = await client(JobService).listJobs({ pageSize: COUNT_PAGE, states }, { signal });
      return { rows: r.jobs.length, more: r.nextPageToken !== '' };
    },
    refetchInterval: COUNT_REFRESH_MS,
  });
}

function useWorkflowCount(states: WorkflowState[]) {
  return useQuery<Count>({
    queryKey: ['cairn', 'workflows', 'count', states],
    queryFn: async ({ signal }) => {
      const r = await client(WorkflowService).listWorkflows({ pageSize: COUNT_PAGE, states }, { signal });
      return { rows: r.workflows.length, more: r.nextPageToken !== '' };
    },
    refetchInterval: COUNT_REFRESH_MS,
  });
}

function CountItem({ label, count }: { readonly label: string; readonly count: Count | undefined }) {
  return (
    <li>
      <span className="count" data-testid="count">
        {count === undefined ? '…' : countLabel(count.rows, count.more)}
      </span>
      {label}
    </li>
  );
}

/** Running and pending counts (ListJobs / ListWorkflows filtered by state): yours, or everyone's for an admin. */
export function MyCounts({ everyone }: { readonly everyone: boolean }) {
  const titleId = useId();
  const running = useJobCount([JobState.RUNNING]);
  const pending = useJobCount([JobState.ACCEPTED, JobState.PENDING]);
  const runs = useWorkflowCount([WorkflowState.RUNNING]);
  const error = running.error ?? pending.error ?? runs.error;
  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId}>{everyone ? 'Work now (everyone’s: you are an administrator)' : 'Your work now'}</h2>
      <ul className="counts">
        <CountItem label="jobs running" count={running.data} />
        <CountItem label="jobs pending" count={pending.data} />
        <CountItem label="workflows running" count={runs.data} />
      </ul>
      {error !== null && <ErrorMessage error={error} context="Could not count the work" />}
    </section>
  );
}
