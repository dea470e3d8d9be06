import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { currentToken, FIRST_PAGE, hasPreviousPage, nextPage, previousPage, type PagingState } from './paging';

/** One page from the server: its rows and the token of the next page ("" on the last). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string;
}

export interface PagedList<T> {
  readonly items: readonly T[];
  /** 0-based page shown. */
  readonly pageIndex: number;
  readonly hasNext: boolean;
  readonly hasPrevious: boolean;
  readonly next: () => void;
  readonly previous: () => void;
  /** Back to the first page (e.g. when a filter changed). */
  readonly reset: () => void;
  /** True while the first page loads (later pages keep the previous rows until theirs arrive). */
  readonly isLoading: boolean;
  /** True while any page loads. */
  readonly isFetching: boolean;
  readonly error: unknown;
  readonly refetch: () => void;
}

/**
 * Pages through a server list one page at a time with page tokens (never loading it all).
 * `key` names the list and its filters (a new key starts at the first page);
 * `fetchPage(token, signal)` asks the server for one page.
 */
export function usePagedList<T>(
  key: readonly unknown[],
  fetchPage: (pageToken: string, signal: AbortSignal) => Promise<Page<T>>,
  options: { readonly refetchIntervalMs?: number; readonly enabled?: boolean } = {},
): PagedList<T> {
  const keyText = JSON.stringify(key);
  const [paging, setPaging] = useState<{ key: string; state: PagingState }>({ key: keyText, state: FIRST_PAGE });
  const state = paging.key === keyText ? paging.state : FIRST_PAGE;
  const token = currentToken(state);
  const query = useQuery({
    queryKey: [...key, 'page', token],
    queryFn: ({ signal }) => fetchPage(token, signal),
    placeholderData: keepPreviousData,
    refetchInterval: options.refetchIntervalMs,
    enabled: options.enabled ?? true,
  });
  const nextToken = query.data?.nextPageToken ?? '';
  const next = useCallback(() => {
    if (nextToken !== '') setPaging({ key: keyText, state: nextPage(state, nextToken) });
  }, [keyText, state, nextToken]);
  const previous = useCallback(() => setPaging({ key: keyText, state: previousPage(state) }), [keyText, state]);
  const reset = useCallback(() => setPaging({ key: keyText, state: FIRST_PAGE }), [keyText]);
  return {
    items: query.data?.items ?? [],
    pageIndex: state.index,
    hasNext: nextToken !== '' && !query.isPlaceholderData,
    hasPrevious: hasPreviousPage(state),
    next,
    previous,
    reset,
    isLoading: query.isLoading,
    isFetching: query.isFetching,
    error: query.error,
    refetch: () => void query.refetch(),
  };
}
