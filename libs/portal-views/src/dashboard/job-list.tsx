import { client, JobService, type Job } from '@cairn/portal-client';
import { jobStateName } from '@cairn/portal-ui';
import { LIST_PAGE_SIZE, LiveList, type LiveListKind, type LiveListProps } from './live-list';
import { JobTable } from './run-tables';
import { JobWatcher } from './watchers';

const jobs: LiveListKind<Job> = {
  noun: 'jobs',
  queryKey: ['cairn', 'jobs', 'list'],
  fetchPage: async (pageToken, signal) => {
    const r = await client(JobService).listJobs({ pageSize: LIST_PAGE_SIZE, pageToken }, { signal });
    return { items: r.jobs, nextPageToken: r.nextPageToken };
  },
  live: (j) => ({ id: j.jobId, state: jobStateName(j.state) }),
  watcher: (id, onState) => <JobWatcher key={id} jobId={id} onState={onState} />,
  table: (rows, live, caption, showOwner) => <JobTable rows={rows} live={live} caption={caption} showOwner={showOwner} />,
};

/** A server-paged list of jobs (ListJobs), the visible unfinished ones kept live by a few WatchJob streams. */
export function JobList(props: LiveListProps) {
  return <LiveList kind={jobs} {...props} />;
}
