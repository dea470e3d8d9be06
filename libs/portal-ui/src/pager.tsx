import type { PagedList } from '@cairn/portal-client';

export interface PagerProps {
  /** The list being paged (usePagedList's answer). */
  readonly list: Pick<PagedList<unknown>, 'pageIndex' | 'hasNext' | 'hasPrevious' | 'next' | 'previous' | 'isFetching'>;
  /** What the pager pages, for screen readers, e.g. "Jobs pages". */
  readonly label: string;
}

/** "Previous page" / "Page N" / "Next page" under a server-paged list. */
export function Pager({ list, label }: PagerProps) {
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" onClick={list.previous} disabled={!list.hasPrevious}>
        Previous page
      </button>
      <span className="pager-page" aria-live="polite">
        Page {list.pageIndex + 1}
        {list.isFetching ? ' (loading…)' : ''}
      </span>
      <button type="button" onClick={list.next} disabled={!list.hasNext}>
        Next page
      </button>
    </nav>
  );
}
