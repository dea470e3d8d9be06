import { client, usePagedList, WorkflowService, type Workflow } from '@cairn/portal-client';
import { ErrorMessage, Pager, workflowStateName } from '@cairn/portal-ui';
import { pickWatched } from './live-states';
import { WorkflowTable } from './run-tables';
import { useLiveStates } from './use-live-states';
import { WorkflowWatcher } from './watchers';

export const LIST_PAGE_SIZE = 25;

export interface WorkflowListProps {
  /** Heading and table caption, e.g. "Recent workflows". */
  readonly title: string;
  readonly showOwner?: boolean;
  /** Watch streams this list may hold at once (each holds a connection). */
  readonly maxWatched?: number;
}

/**
 * A server-paged list of runs (ListWorkflows, one page at a time: what the API lets the
 * caller see), the visible unfinished ones kept live by a few WatchWorkflow streams.
 */
export function WorkflowList({ title, showOwner = false, maxWatched = 2 }: WorkflowListProps) {
  const list = usePagedList<Workflow>(['cairn', 'workflows', 'list'], async (pageToken, signal) => {
    const r = await client(WorkflowService).listWorkflows({ pageSize: LIST_PAGE_SIZE, pageToken }, { signal });
    return { items: r.workflows, nextPageToken: r.nextPageToken };
  });
  const [live, onState] = useLiveStates();
  const watched = pickWatched(
    list.items.map((w) => ({ id: w.runId, state: workflowStateName(w.state) })),
    live,
    maxWatched,
  );
  return (
    <section>
      <h2>{title}</h2>
      {watched.map((id) => (
        <WorkflowWatcher key={id} runId={id} onState={onState} />
      ))}
      {list.error !== null && <ErrorMessage error={list.error} context="Could not load the workflows" />}
      {list.isLoading && <p role="status">Loading workflows…</p>}
      {!list.isLoading && (list.items.length > 0 || list.error === null) && <WorkflowTable rows={list.items} live={live} caption={title} showOwner={showOwner} />}
      <Pager list={list} label={`${title}: pages`} />
    </section>
  );
}
