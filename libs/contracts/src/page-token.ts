import { CairnError } from './errors';
import { UUID_PATTERN } from './validation';

export interface PageCursor {
  createdAt: Date;
  /** The record's id (job or run), the tie-breaker between equal times. */
  id: string;
}

/** Opaque page tokens of list calls: the position after the last record of a page. */
export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ t: new Date(cursor.createdAt).toISOString(), id: cursor.id })).toString('base64url');
}

export function decodePageToken(token: string, call = 'the list'): PageCursor {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { t?: unknown; id?: unknown };
    const createdAt = new Date(String(parsed.t));
    // A time PostgreSQL can compare with (a forged year -200000 would fail the query, not the token).
    const year = createdAt.getUTCFullYear();
    if (typeof parsed.id !== 'string' || !UUID_PATTERN.test(parsed.id) || Number.isNaN(createdAt.getTime()) || year < 1970 || year > 9999) {
      throw new Error('bad cursor');
    }
    return { createdAt, id: parsed.id };
  } catch {
    throw new CairnError('INVALID_ARGUMENT', `page_token: not a token from a previous ${call} page`);
  }
}
