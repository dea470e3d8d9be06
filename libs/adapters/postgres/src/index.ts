export { openDatabase } from './database';
export type { Database, DatabaseOptions, MigrationSet } from './database';
export { DataDirLockedError } from './data-dir-lock';
export type { LockHolder } from './data-dir-lock';
// `sql` (raw SQL text) is for migrations only: eslint.config.mjs refuses it anywhere else.
export { sql } from 'kysely';
export type { Kysely } from 'kysely';
export type { Generated, Insertable, Migration, Selectable, SelectQueryBuilder, Transaction, Updateable, ColumnType } from 'kysely';
export { insertOnce } from './insert-once';
export type { InsertOnce } from './insert-once';
export { keysetPage } from './keyset-page';
export type { KeysetKey, KeysetRequest } from './keyset-page';
export { outboxTable } from './outbox-table';
export type { OutboxTable } from './outbox-table';
export type { SharedSchema, TablesOf } from './table-views';
export { likePrefix } from './like-prefix';
export { createRowCounters } from './row-counters';
export type { CounterTable, RowCounters } from './row-counters';
