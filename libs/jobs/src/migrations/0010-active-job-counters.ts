import { type Kysely, type Migration, sql } from '@cairn/adapters/postgres';

/** A job counts toward its owner's and account's run limits while this holds (the rows' own columns, `r`). */
const COUNTS = (r: string) => sql.raw(`${r}.state IN ('ACCEPTED', 'PENDING', 'RUNNING') AND ${r}.workflow_run IS NULL`);

/**
 * The run limits' counts kept as counters instead of counted at each submission (issue 13:
 * counting a project's unfinished jobs cost every group commit about 0.7 ms per thousand, and
 * the limits go up to millions). `active_jobs_by_owner` and `active_jobs_by_account` hold,
 * per owner and per account, how many jobs submitted directly (workflow_run null) are not
 * yet finished (ACCEPTED, PENDING, RUNNING), as migration 0008's partial indexes counted.
 *
 * Triggers on `jobs` keep them, in the transaction of the change itself, whichever code
 * changes a job: an insert statement adds its rows per owner and account in one upsert each
 * (a statement trigger over the inserted rows); an update that changes whether a row counts
 * or whose it is, and a delete, move one row's count. Owners are changed before accounts,
 * each in key order, so two writers never wait on each other in opposite orders. A count
 * never goes below zero (a CHECK): a counter out of step fails the change instead of letting
 * a limit drift. The counters start from the jobs as they are, under a lock that holds off
 * writers until the triggers are in place; 0008's partial indexes, now unused, go.
 */
export const m0010ActiveJobCounters: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await sql`LOCK TABLE jobs IN SHARE ROW EXCLUSIVE MODE`.execute(db);
    await sql`CREATE TABLE active_jobs_by_owner (
      owner_issuer text NOT NULL,
      owner_subject text NOT NULL,
      n integer NOT NULL CHECK (n >= 0),
      PRIMARY KEY (owner_issuer, owner_subject)
    )`.execute(db);
    await sql`CREATE TABLE active_jobs_by_account (
      account text PRIMARY KEY,
      n integer NOT NULL CHECK (n >= 0)
    )`.execute(db);
    await sql`INSERT INTO active_jobs_by_owner (owner_issuer, owner_subject, n)
      SELECT owner_issuer, owner_subject, count(*) FROM jobs j WHERE ${COUNTS('j')} GROUP BY owner_issuer, owner_subject`.execute(db);
    await sql`INSERT INTO active_jobs_by_account (account, n)
      SELECT account, count(*) FROM jobs j WHERE ${COUNTS('j')} GROUP BY account`.execute(db);
    // SET search_path FROM CURRENT: the functions find the counters in this schema whoever's session fires them.
    await sql`CREATE FUNCTION jobs_count_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        INSERT INTO active_jobs_by_owner AS c (owner_issuer, owner_subject, n)
          SELECT owner_issuer, owner_subject, count(*) FROM inserted j WHERE ${COUNTS('j')}
          GROUP BY owner_issuer, owner_subject ORDER BY owner_issuer, owner_subject
          ON CONFLICT (owner_issuer, owner_subject) DO UPDATE SET n = c.n + excluded.n;
        INSERT INTO active_jobs_by_account AS c (account, n)
          SELECT account, count(*) FROM inserted j WHERE ${COUNTS('j')}
          GROUP BY account ORDER BY account
          ON CONFLICT (account) DO UPDATE SET n = c.n + excluded.n;
        RETURN NULL;
      END $$`.execute(db);
    await sql`CREATE TRIGGER jobs_count_inserted AFTER INSERT ON jobs REFERENCING NEW TABLE AS inserted
      FOR EACH STATEMENT EXECUTE FUNCTION jobs_count_inserted()`.execute(db);
    await sql`CREATE FUNCTION jobs_count_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') AND ${COUNTS('OLD')} THEN
          UPDATE active_jobs_by_owner SET n = n - 1 WHERE owner_issuer = OLD.owner_issuer AND owner_subject = OLD.owner_subject;
        END IF;
        IF TG_OP = 'UPDATE' AND ${COUNTS('NEW')} THEN
          INSERT INTO active_jobs_by_owner AS c (owner_issuer, owner_subject, n) VALUES (NEW.owner_issuer, NEW.owner_subject, 1)
            ON CONFLICT (owner_issuer, owner_subject) DO UPDATE SET n = c.n + 1;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') AND ${COUNTS('OLD')} THEN
          UPDATE active_jobs_by_account SET n = n - 1 WHERE account = OLD.account;
        END IF;
        IF TG_OP = 'UPDATE' AND ${COUNTS('NEW')} THEN
          INSERT INTO active_jobs_by_account AS c (account, n) VALUES (NEW.account, 1)
            ON CONFLICT (account) DO UPDATE SET n = c.n + 1;
        END IF;
        RETURN NULL;
      END $$`.execute(db);
    // Only the updates that change whether a row counts, or whose count it is, fire it.
    await sql`CREATE TRIGGER jobs_count_updated AFTER UPDATE OF state, workflow_run, owner_issuer, owner_subject, account ON jobs
      FOR EACH ROW WHEN ((${COUNTS('OLD')}) IS DISTINCT FROM (${COUNTS('NEW')})
        OR ((${COUNTS('OLD')}) AND (OLD.owner_issuer, OLD.owner_subject, OLD.account) IS DISTINCT FROM (NEW.owner_issuer, NEW.owner_subject, NEW.account)))
      EXECUTE FUNCTION jobs_count_changed()`.execute(db);
    await sql`CREATE TRIGGER jobs_count_deleted AFTER DELETE ON jobs FOR EACH ROW WHEN (${COUNTS('OLD')}) EXECUTE FUNCTION jobs_count_changed()`.execute(db);
    await sql`DROP INDEX jobs_active_owner`.execute(db);
    await sql`DROP INDEX jobs_active_account`.execute(db);
  },
};
