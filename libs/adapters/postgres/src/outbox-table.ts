import { type Kysely, type Selectable, sql } from 'kysely';

/** An outbox table: events recorded with their change, sent later by a relay. */
export interface OutboxTable<Row> {
  /** Unsent rows, oldest first. */
  unpublished(limit: number): Promise<Row[]>;
  markPublished(ids: string[]): Promise<void>;
}

/**
 * The outbox queries of a table with a serial `id` and a `published` flag (each
 * capability keeps its own table: job_transitions, workflow_events, ...).
 */
export function outboxTable<DB, T extends keyof DB & string>(db: Kysely<DB>, table: T): OutboxTable<Selectable<DB[T]>> {
  return {
    unpublished: async (limit) =>
      (await sql<Selectable<DB[T]>>`SELECT * FROM ${sql.table(table)} WHERE published = false ORDER BY id LIMIT ${limit}`.execute(db)).rows,
    markPublished: async (ids) => {
      if (ids.length === 0) return;
      await sql`UPDATE ${sql.table(table)} SET published = true WHERE id IN (${sql.join(ids)})`.execute(db);
    },
  };
}
