import { type RawBuilder, sql } from 'kysely';

/**
 * `GROUPING SETS ((a, b), (c))` for a query's groupBy: several groupings in one statement
 * (e.g. counts per owner and per account in one round trip). Columns are quoted as
 * identifiers (`sql.ref`), never spliced as text.
 */
export function groupingSets(sets: readonly (readonly string[])[]): RawBuilder<unknown> {
  if (sets.length === 0 || sets.some((set) => set.length === 0)) throw new RangeError('groupingSets: every set names at least one column');
  return sql`grouping sets (${sql.join(sets.map((set) => sql`(${sql.join(set.map((column) => sql.ref(column)))})`))})`;
}

/** `GROUPING(column)`: 1 on the rows of a grouping set that leaves the column out, 0 on those grouped by it. */
export function grouping(column: string): RawBuilder<number> {
  return sql<number>`grouping(${sql.ref(column)})`;
}
