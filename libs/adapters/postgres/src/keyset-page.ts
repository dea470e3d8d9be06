import { decodePageToken, encodePageToken, MAX_ROWS_REPLY_BYTES, pageWithin } from '@cairn/contracts';
import { type SelectQueryBuilder, sql } from 'kysely';

/** A page request of a list call: how many rows at most, and where the last page ended. */
export interface KeysetRequest {
  pageSize: number;
  pageToken?: string;
}

/** The key a list is ordered by (newest first): its creation time, then its id to break ties. */
export interface KeysetKey<Row> {
  /** The columns, as the query names them. */
  createdAtColumn: string;
  idColumn: string;
  createdAt(row: Row): Date;
  id(row: Row): string;
}

/**
 * One page of a list ordered newest first by (created_at, id), after the row the page
 * token names: at most pageSize rows, fewer when their records would not fit one reply
 * (`sizeOf` gives a row's record size in bytes; a record too large for any reply is
 * stepped over, and the get call names it RESOURCE_EXHAUSTED). The token of the next page
 * is empty at the end. A forged or foreign token is INVALID_ARGUMENT naming `call`.
 */
export async function keysetPage<DB, TB extends keyof DB, Row>(
  query: SelectQueryBuilder<DB, TB, Row>,
  request: KeysetRequest,
  key: KeysetKey<Row>,
  call: string,
  sizeOf: (row: Row) => number,
  maxBytes = MAX_ROWS_REPLY_BYTES,
): Promise<{ rows: Row[]; nextPageToken: string }> {
  const createdAt = sql.ref(key.createdAtColumn);
  const id = sql.ref(key.idColumn);
  let q = query;
  if (request.pageToken) {
    const cursor = decodePageToken(request.pageToken, call);
    q = q.where(sql<boolean>`(${createdAt} < ${cursor.createdAt} OR (${createdAt} = ${cursor.createdAt} AND ${id} < ${cursor.id}))`);
  }
  const rows = await q.orderBy(sql`${createdAt} desc`).orderBy(sql`${id} desc`).limit(request.pageSize + 1).execute();
  const { page, consumed } = pageWithin(rows, request.pageSize, maxBytes, sizeOf);
  const last = rows[consumed - 1];
  const nextPageToken = rows.length > consumed && last ? encodePageToken({ createdAt: key.createdAt(last), id: key.id(last) }) : '';
  return { rows: page, nextPageToken };
}
