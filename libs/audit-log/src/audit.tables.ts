import type { ColumnType, Generated } from '@cairn/adapters/postgres';
import type { AuditOutcome } from '@cairn/contracts';

type Timestamp = ColumnType<Date, Date | string, never>;
/** Written once: never in an UPDATE (the table refuses UPDATE and DELETE too). */
type Once<T> = ColumnType<T, T, never>;

/** The audit log: one row per state-changing call and per denial (append-only). */
export interface AuditEventsTable {
  /** Insertion order, for paging. */
  seq: Generated<string>;
  event_id: Once<string>;
  at: Timestamp;
  rpc: Once<string>;
  ids: ColumnType<string[], string, never>;
  issuer: Once<string>;
  subject: Once<string>;
  name: Once<string>;
  posix_user: Once<string>;
  peer: Once<string>;
  outcome: Once<AuditOutcome>;
  reason: Once<string>;
}

export interface AuditDb {
  audit_events: AuditEventsTable;
}
