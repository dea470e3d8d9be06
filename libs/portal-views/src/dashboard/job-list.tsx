import { client, JobService, usePagedList, type Job } from '@cairn/portal-client';
import { ErrorMessage, jobStateName, Pager } from '@cairn/portal-ui';
import { pickWatched } from './live-states';
import { JobTable } from './run-tables';
import { useLiveStates } from './use-live-states';
import { JobWatcher } from './watchers';
import { LIST_PAGE_SIZE } from './workflow-list';

export interface JobListProps {
  /** Heading and table caption, e.g. "Recent jobs". */
  readonly title: string;
  readonly showOwner?: boolean;
  /** Watch streams this list may hold at once (each holds a connection). */
  readonly maxWatched?: number;
}

/**
 * A server-paged list of jobs (ListJobs, one page at a time: what the API lets the caller
 * see), the visible unfinished ones kept live by a few WatchJob streams.
 */
export function JobList({ title, showOwner = false, maxWatched = 2 }: JobListProps) {
  const list = usePagedList<Job>(['cairn', 'jobs', 'list'], async (pageToken, signal) => {
    const r = await client(JobService).listJobs({ pageSize: LIST_PAGE_SIZE, pageToken }, { signal });
    return { items: r.jobs, nextPageToken: r.nextPageToken };
  });
  const [live, onState] = useLiveStates();
  const watched = pickWatched(
    list.items.map((j) => ({ id: j.jobId, state: jobStateName(j.state) })),
    live,
    maxWatched,
  );
  return (
    <section>
      <h2>{title}</h2>
      {watched.map((id) => (
        <JobWatcher key={id} jobId={id} onState={onState} />
      ))}
      {list.error !== null && <ErrorMessage error={list.error} context="Could not load the jobs" />}
      {list.isLoading && <p role="status">Loading jobs…</p>}
      {!list.isLoading && (list.items.length > 0 || list.error === null) && <JobTable rows={list.items} live={live} caption={title} showOwner={showOwner} />}
      <Pager list={list} label={`${title}: pages`} />
    </section>
  );
}
