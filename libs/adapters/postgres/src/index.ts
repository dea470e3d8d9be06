export { openDatabase } from './database';
export type { Database, DatabaseOptions } from './database';
export { DataDirLockedError } from './data-dir-lock';
export type { LockHolder } from './data-dir-lock';
export { Kysely, sql } from 'kysely';
export type { Generated, Insertable, Migration, Selectable, Transaction, Updateable, ColumnType } from 'kysely';
