import { join } from 'node:path';
import type { OnApplicationShutdown } from '@nestjs/common';
import { type Database, type MigrationSet, openDatabase } from '@cairn/adapters/postgres';
import type { Logger } from '@cairn/logging';
import { SCHEDULER_SCHEMA } from './jobs.tables';

export interface SchedulerDatabaseOptions {
  /** CAIRN_DATABASE_URL; unset: the embedded database under `dataDir`. */
  databaseUrl?: string;
  /** CAIRN_DATA_DIR: the embedded database lives in `<dataDir>/scheduler/pglite`. */
  dataDir: string;
  /** The migrations of every capability with tables in the scheduler's schema (each in its own table). */
  migrations: readonly MigrationSet[];
  logger: Logger;
}

/**
 * Opens the scheduler's schema (PostgreSQL, or the embedded PGlite) and brings its tables
 * up to date; says when it cleared the lock of a process that is gone. A second process on
 * the same embedded directory, or a failed migration, throws (the service refuses to start).
 * The handle has no tables in its type: each capability takes its own view
 * (`db.withTables<TablesOf<SchedulerDb>>()`).
 */
export async function openSchedulerDatabase(options: SchedulerDatabaseOptions): Promise<Database<Record<never, never>>> {
  const database = await openDatabase<Record<never, never>>({
    url: options.databaseUrl,
    embeddedDir: join(options.dataDir, 'scheduler', 'pglite'),
    schema: SCHEDULER_SCHEMA,
    migrations: options.migrations,
  });
  if (database.clearedStaleHolder) options.logger.warn({ holder: database.clearedStaleHolder }, 'cleared the embedded database lock of a process that is gone');
  options.logger.info({ embedded: database.embedded }, 'database ready');
  return database;
}

/**
 * Closes the scheduler's database when the service shuts down. Provided by the service's
 * root module, it runs after every capability stopped its work, so PGlite gives its
 * directory up cleanly.
 */
export class SchedulerDatabaseCloser implements OnApplicationShutdown {
  constructor(private readonly database: { close(): Promise<void> }) {}

  onApplicationShutdown(): Promise<void> {
    return this.database.close();
  }
}
