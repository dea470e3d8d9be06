export { openDatabase } from './database';
export type { Database, DatabaseOptions } from './database';
export { Kysely, sql } from 'kysely';
export type { Generated, Insertable, Migration, Selectable, Transaction, Updateable, ColumnType } from 'kysely';
