import type { Kysely } from 'kysely';

/**
 * A handle on a schema that several capabilities share, with no tables in its type: each
 * capability takes its own typed view, `db.withTables<TablesOf<ItsDb>>()`. A view changes
 * types only: same connection, same transactions.
 */
export type SharedSchema = Kysely<Record<never, never>>;

/** A capability's table interface in the form `withTables` takes. */
export type TablesOf<T> = { [K in keyof T]: T[K] };
