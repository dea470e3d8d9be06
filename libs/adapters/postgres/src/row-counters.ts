import { type Kysely, sql } from 'kysely';

/** One counter table: how many rows that count there are per value of `keys` (text columns of the counted table). */
export interface CounterTable {
  table: string;
  keys: readonly string[];
}

/** Counters of the rows of `table` for which `counts` holds, kept by triggers (see createRowCounters). */
export interface RowCounters {
  /** The counted table. */
  table: string;
  /** Names the trigger functions and triggers made: `<name>_inserted`, `<name>_changed`, `<name>_updated`, `<name>_deleted`. */
  name: string;
  /** The condition a row counts under, over a row alias (r, OLD, NEW); the columns it reads. */
  counts: (row: string) => string;
  countsReads: readonly string[];
  /** The counter tables, in the order their rows are locked (the same order for every writer). */
  counters: readonly CounterTable[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

function checked(spec: RowCounters): void {
  const names = [spec.table, spec.name, ...spec.countsReads, ...spec.counters.flatMap((c) => [c.table, ...c.keys])];
  const bad = names.find((n) => !IDENTIFIER.test(n));
  if (bad !== undefined) throw new Error(`row counters: invalid identifier ${JSON.stringify(bad)}`);
  if (spec.counters.some((c) => c.keys.length === 0)) throw new Error('row counters: a counter table without keys');
}

/**
 * For a migration: creates the counter tables of `spec`, fills them from the rows as they
 * are, and creates the triggers that keep them in the transaction of each change, whatever
 * code makes it:
 * - an INSERT statement adds its rows that count, one upsert per counter table (a statement
 *   trigger over the inserted rows), in key order;
 * - an UPDATE that changes whether a row counts, or under which keys, moves that row's count
 *   (a row trigger that other updates do not fire);
 * - a DELETE of a row that counts takes it off.
 * Counter tables are locked in `spec.counters` order, so writers of one row each never wait
 * on each other in opposite orders. A count never goes below zero (a CHECK): a counter out of
 * step fails the change instead of drifting unseen. The table is locked against writers
 * while the counters are filled and the triggers made. Zero rows stay (one per key ever used).
 */
export async function createRowCounters(db: Kysely<unknown>, spec: RowCounters): Promise<void> {
  checked(spec);
  const run = (text: string) => sql.raw(text).execute(db);
  const list = (keys: readonly string[], prefix = '') => keys.map((k) => `${prefix}${k}`).join(', ');
  await run(`LOCK TABLE ${spec.table} IN SHARE ROW EXCLUSIVE MODE`);
  for (const c of spec.counters) {
    await run(`CREATE TABLE ${c.table} (${c.keys.map((k) => `${k} text NOT NULL`).join(', ')}, n integer NOT NULL CHECK (n >= 0), PRIMARY KEY (${list(c.keys)}))`);
    await run(`INSERT INTO ${c.table} (${list(c.keys)}, n) SELECT ${list(c.keys)}, count(*) FROM ${spec.table} r WHERE ${spec.counts('r')} GROUP BY ${list(c.keys)}`);
  }
  const added = spec.counters.map(
    (c) => `INSERT INTO ${c.table} AS c (${list(c.keys)}, n)
      SELECT ${list(c.keys)}, count(*) FROM inserted r WHERE ${spec.counts('r')} GROUP BY ${list(c.keys)} ORDER BY ${list(c.keys)}
      ON CONFLICT (${list(c.keys)}) DO UPDATE SET n = c.n + excluded.n;`,
  );
  // SET search_path FROM CURRENT: the functions find the counters in this schema whoever's session fires them.
  await run(`CREATE FUNCTION ${spec.name}_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN ${added.join('\n')} RETURN NULL; END $$`);
  await run(`CREATE TRIGGER ${spec.name}_inserted AFTER INSERT ON ${spec.table} REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ${spec.name}_inserted()`);
  const moved = spec.counters.map(
    (c) => `IF TG_OP IN ('UPDATE', 'DELETE') AND (${spec.counts('OLD')}) THEN
        UPDATE ${c.table} SET n = n - 1 WHERE ${c.keys.map((k) => `${k} = OLD.${k}`).join(' AND ')};
      END IF;
      IF TG_OP = 'UPDATE' AND (${spec.counts('NEW')}) THEN
        INSERT INTO ${c.table} AS c (${list(c.keys)}, n) VALUES (${list(c.keys, 'NEW.')}, 1) ON CONFLICT (${list(c.keys)}) DO UPDATE SET n = c.n + 1;
      END IF;`,
  );
  await run(`CREATE FUNCTION ${spec.name}_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
    BEGIN ${moved.join('\n')} RETURN NULL; END $$`);
  const keys = [...new Set(spec.counters.flatMap((c) => c.keys))];
  const watched = [...new Set([...spec.countsReads, ...keys])];
  await run(`CREATE TRIGGER ${spec.name}_updated AFTER UPDATE OF ${list(watched)} ON ${spec.table} FOR EACH ROW
    WHEN ((${spec.counts('OLD')}) IS DISTINCT FROM (${spec.counts('NEW')}) OR ((${spec.counts('OLD')}) AND (${list(keys, 'OLD.')}) IS DISTINCT FROM (${list(keys, 'NEW.')})))
    EXECUTE FUNCTION ${spec.name}_changed()`);
  await run(`CREATE TRIGGER ${spec.name}_deleted AFTER DELETE ON ${spec.table} FOR EACH ROW WHEN (${spec.counts('OLD')}) EXECUTE FUNCTION ${spec.name}_changed()`);
}
