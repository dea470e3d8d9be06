import { usePagedList, type Page } from '@cairn/portal-client';
import { ErrorMessage, Pager } from '@cairn/portal-ui';
import type { ReactNode } from 'react';
import { pickWatched, type LiveStates } from './live-states';
import { useLiveStates } from './use-live-states';
import type { OnLiveState } from './watchers';

export const LIST_PAGE_SIZE = 25;

/** What one kind of live list (runs, jobs) needs to know about its rows. */
export interface LiveListKind<T> {
  /** Plural noun for messages: "workflows", "jobs". */
  readonly noun: string;
  /** The query's name in the cache (a new name starts at the first page). */
  readonly queryKey: readonly unknown[];
  readonly fetchPage: (pageToken: string, signal: AbortSignal) => Promise<Page<T>>;
  /** The row's id and its state's name (as its watch stream names it). */
  readonly live: (row: T) => { readonly id: string; readonly state: string };
  readonly watcher: (id: string, onState: OnLiveState) => ReactNode;
  readonly table: (rows: readonly T[], live: LiveStates, caption: string, showOwner: boolean) => ReactNode;
}

export interface LiveListProps {
  /** Heading and table caption, e.g. "Recent workflows". */
  readonly title: string;
  readonly showOwner?: boolean;
  /** Watch streams this list may hold at once (each holds a connection). */
  readonly maxWatched?: number;
}

/**
 * A server-paged list (one page at a time: what the API lets the caller see), the visible
 * unfinished rows kept live by a few watch streams.
 */
export function LiveList<T>({ kind, title, showOwner = false, maxWatched = 2 }: LiveListProps & { readonly kind: LiveListKind<T> }) {
  const list = usePagedList<T>(kind.queryKey, kind.fetchPage);
  const [live, onState] = useLiveStates();
  const watched = pickWatched(list.items.map(kind.live), live, maxWatched);
  return (
    <section>
      <h2>{title}</h2>
      {watched.map((id) => kind.watcher(id, onState))}
      {list.error !== null && <ErrorMessage error={list.error} context={`Could not load the ${kind.noun}`} />}
      {list.isLoading && <p role="status">Loading {kind.noun}…</p>}
      {!list.isLoading && (list.items.length > 0 || list.error === null) && kind.table(list.items, live, title, showOwner)}
      <Pager list={list} label={`${title}: pages`} />
    </section>
  );
}
