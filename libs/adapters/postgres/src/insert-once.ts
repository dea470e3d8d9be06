/** How a record is created at most once per request id (see insertOnce). */
export interface InsertOnce<Prepared, Row> {
  /** The caller's request id; without one every call creates a record. */
  requestId: string | undefined;
  /** The record created earlier for this request id, if any. */
  find(requestId: string): Promise<Row | undefined>;
  /** Checks and prepares the new record (its errors pass through unchanged). */
  prepare(): Promise<Prepared>;
  /** Inserts it; the table's unique request id makes a second insert fail. */
  insert(prepared: Prepared): Promise<Row>;
}

/**
 * The idempotent insert by request id: the record already created for the request id is
 * returned as it is (`found`); otherwise the record is prepared and inserted, and when two
 * calls with one request id raced, the loser returns the winner's record. An insert that
 * fails with no winner to return throws its error.
 */
export async function insertOnce<Prepared, Row>(steps: InsertOnce<Prepared, Row>): Promise<{ row: Row; found: boolean }> {
  const { requestId } = steps;
  if (requestId) {
    const existing = await steps.find(requestId);
    if (existing) return { row: existing, found: true };
  }
  const prepared = await steps.prepare();
  try {
    return { row: await steps.insert(prepared), found: false };
  } catch (error) {
    const winner = requestId ? await steps.find(requestId) : undefined;
    if (winner) return { row: winner, found: false };
    throw error;
  }
}
