import { join } from 'node:path';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { JetStreamRepository, type NatsConnection } from '@cairn/adapters/nats';
import { type Database, openDatabase } from '@cairn/adapters/postgres';
import type { Logger } from '@cairn/logging';
import { GraphStore } from './graph.store';
import { provenanceMigrations } from './migrations';
import { ProvenanceIngest } from './provenance-ingest';
import { ProvenanceQueries } from './provenance-queries';
import { type ProvenanceDb, PROVENANCE_SCHEMA } from './provenance.tables';
import { ProvenanceNatsController } from './provenance.nats.controller';

export interface ProvenanceModuleOptions {
  database: Database<ProvenanceDb>;
  nats: NatsConnection;
  logger: Logger;
  ingestBatch: number;
  /** How long an event waits for others to share its transaction (ms). */
  ingestGatherMs?: number;
}

/**
 * Opens the provenance schema (PostgreSQL, or the embedded PGlite in
 * `<dataDir>/provenance/pglite`) and brings its tables up to date.
 */
export async function openProvenanceDatabase(options: { databaseUrl?: string; dataDir: string; logger: Logger }): Promise<Database<ProvenanceDb>> {
  const database = await openDatabase<ProvenanceDb>({
    url: options.databaseUrl,
    embeddedDir: join(options.dataDir, 'provenance', 'pglite'),
    schema: PROVENANCE_SCHEMA,
    migrations: [provenanceMigrations],
  });
  if (database.clearedStaleHolder) options.logger.warn({ holder: database.clearedStaleHolder }, 'cleared the embedded database lock of a process that is gone');
  options.logger.info({ embedded: database.embedded }, 'database ready');
  return database;
}

/** Closes the database last on shutdown, after the consumers stopped. */
export class ProvenanceDatabaseCloser implements OnApplicationShutdown {
  constructor(private readonly database: { close(): Promise<void> }) {}

  onApplicationShutdown(): Promise<void> {
    return this.database.close();
  }
}

/** The provenance capability: the ingest of the three event streams and the NATS queries. */
@Module({})
export class ProvenanceModule {
  static register(options: ProvenanceModuleOptions): DynamicModule {
    const store = new GraphStore(options.database.db);
    const ingest = new ProvenanceIngest(new JetStreamRepository(options.nats), store, options.logger.child({ context: 'ProvenanceIngest' }), { maxBatch: options.ingestBatch, gatherMs: options.ingestGatherMs });
    return {
      module: ProvenanceModule,
      controllers: [ProvenanceNatsController],
      providers: [
        { provide: ProvenanceQueries, useValue: new ProvenanceQueries(store) },
        { provide: ProvenanceIngest, useValue: ingest },
        { provide: ProvenanceDatabaseCloser, useValue: new ProvenanceDatabaseCloser(options.database) },
      ],
    };
  }
}
