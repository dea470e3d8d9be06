/**
 * Server paging with page tokens: the tokens of the pages seen so far, so "Previous page"
 * goes back without the server knowing about it and "Next page" asks for one more page.
 * Nothing ever loads more than one page.
 */
export interface PagingState {
  /** tokens[i] is the page token of page i (tokens[0] is "" for the first page). */
  readonly tokens: readonly string[];
  /** The page shown (0-based). */
  readonly index: number;
}

export const FIRST_PAGE: PagingState = { tokens: [''], index: 0 };

/** The token to ask the server with for the page shown. */
export function currentToken(state: PagingState): string {
  return state.tokens[state.index] ?? '';
}

/** Goes to the next page, whose token is `nextPageToken` of the page shown; stays when there is none. */
export function nextPage(state: PagingState, nextPageToken: string): PagingState {
  if (nextPageToken === '') return state;
  const tokens = state.tokens.slice(0, state.index + 1);
  tokens.push(nextPageToken);
  return { tokens, index: state.index + 1 };
}

/** Goes back one page (the tokens are kept, the server is not asked for anything new). */
export function previousPage(state: PagingState): PagingState {
  return state.index === 0 ? state : { tokens: state.tokens, index: state.index - 1 };
}

export function hasPreviousPage(state: PagingState): boolean {
  return state.index > 0;
}

/** "1–50", "51–100"...: the rows a page holds when pages hold `pageSize` (the last may hold fewer). */
export function pageRange(index: number, pageSize: number, rows: number): string {
  if (rows === 0) return 'none';
  const first = index * pageSize + 1;
  return `${first}–${first + rows - 1}`;
}

/** A count of one page's worth: the number, or "N+" when there are more pages. */
export function countLabel(rows: number, more: boolean): string {
  return more ? `${rows}+` : String(rows);
}
