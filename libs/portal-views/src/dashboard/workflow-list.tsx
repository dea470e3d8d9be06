import { client, WorkflowService, type Workflow } from '@cairn/portal-client';
import { workflowStateName } from '@cairn/portal-ui';
import { LIST_PAGE_SIZE, LiveList, type LiveListKind, type LiveListProps } from './live-list';
import { WorkflowTable } from './run-tables';
import { WorkflowWatcher } from './watchers';

const workflows: LiveListKind<Workflow> = {
  noun: 'workflows',
  queryKey: ['cairn', 'workflows', 'list'],
  fetchPage: async (pageToken, signal) => {
    const r = await client(WorkflowService).listWorkflows({ pageSize: LIST_PAGE_SIZE, pageToken }, { signal });
    return { items: r.workflows, nextPageToken: r.nextPageToken };
  },
  live: (w) => ({ id: w.runId, state: workflowStateName(w.state) }),
  watcher: (id, onState) => <WorkflowWatcher key={id} runId={id} onState={onState} />,
  table: (rows, live, caption, showOwner) => <WorkflowTable rows={rows} live={live} caption={caption} showOwner={showOwner} />,
};

/** A server-paged list of runs (ListWorkflows), the visible unfinished ones kept live by a few WatchWorkflow streams. */
export function WorkflowList(props: LiveListProps) {
  return <LiveList kind={workflows} {...props} />;
}
