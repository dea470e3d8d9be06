import { join } from 'node:path';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { parseImageReference, streams } from '@cairn/contracts';
import { JetStreamRepository, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import { loadRegistryCredentials, RegistryClient } from '@cairn/adapters/oci-registry';
import { type Database, openDatabase } from '@cairn/adapters/postgres';
import type { Logger } from '@cairn/logging';
import { ImageEvents } from './image-events';
import { ImageResolver } from './image-resolver';
import { type ImagesDb, IMAGES_SCHEMA } from './images.tables';
import { ImagesNatsController } from './images.nats.controller';
import { imagesMigrations } from './migrations';
import type { RegistryAllowList } from './registry-allow-list';
import type { ManifestSource } from './registry-port';
import { ResolutionCache } from './resolution-cache';
import { PgResolutionStore } from './resolution-store';
import { SiteCatalogue } from './site-catalogue';
import { NatsSiteAgents } from './site-agents';
import { SitePlatforms } from './site-platforms';
import { quotaOf } from './site-quotas';

export interface ImagesModuleOptions {
  database: Database<ImagesDb>;
  nats: NatsConnection;
  logger: Logger;
  /** Registry for references that name none (CAIRN_REGISTRY). */
  defaultRegistry: string;
  insecureRegistries: readonly string[];
  registryAuthFile?: string;
  registryTimeoutMs: number;
  allow: RegistryAllowList;
  tagTtlSeconds: number;
  quotaBytes: number;
  siteQuotas: ReadonlyMap<string, number>;
  /** Stands in for the registry (benchmarks); default: the registry client. */
  registry?: ManifestSource;
}

/** Opens the images schema (PostgreSQL, or the embedded PGlite in `<dataDir>/images/pglite`) and brings its tables up to date. */
export async function openImagesDatabase(options: { databaseUrl?: string; dataDir: string; logger: Logger }): Promise<Database<ImagesDb>> {
  const database = await openDatabase<ImagesDb>({
    url: options.databaseUrl,
    embeddedDir: join(options.dataDir, 'images', 'pglite'),
    schema: IMAGES_SCHEMA,
    migrations: [imagesMigrations],
  });
  if (database.clearedStaleHolder) options.logger.warn({ holder: database.clearedStaleHolder }, 'cleared the embedded database lock of a process that is gone');
  options.logger.info({ embedded: database.embedded }, 'database ready');
  return database;
}

/** Closes the database last on shutdown. */
export class ImagesDatabaseCloser implements OnApplicationShutdown {
  constructor(private readonly database: { close(): Promise<void> }) {}

  onApplicationShutdown(): Promise<void> {
    return this.database.close();
  }
}

/**
 * The images capability (ADR 0015): resolution (allow-list, site platforms, tag cache and
 * digest facts, the registry) with each resolution recorded in CAIRN_IMAGE_EVENTS (ensured
 * at start; a failure there is logged), and the sites' catalogue policy through their agents.
 */
@Module({})
export class ImagesModule {
  static async register(options: ImagesModuleOptions): Promise<DynamicModule> {
    const { nats, logger } = options;
    const jetstream = new JetStreamRepository(nats);
    try {
      await jetstream.ensureStream(streams.imageEvents);
    } catch (error) {
      logger.error({ stream: streams.imageEvents.name, err: error instanceof Error ? error.message : String(error) }, 'image events stream not ensured; resolutions go on unrecorded until it exists');
    }
    const events = new ImageEvents((subject, data, msgId) => jetstream.publish(subject, data, msgId), logger.child({ context: 'ImageEvents' }));
    const agents = new NatsSiteAgents(new NatsRequester(nats));
    const platforms = new SitePlatforms(agents);
    // The auth file is read once at start: a file others may read, or not JSON, refuses the start (never naming a secret).
    const registry =
      options.registry ??
      new RegistryClient({
        insecureRegistries: options.insecureRegistries,
        credentials: loadRegistryCredentials(options.registryAuthFile),
        timeoutMs: options.registryTimeoutMs,
        unqualifiedRegistry: options.defaultRegistry,
      });
    const cache = new ResolutionCache(new PgResolutionStore(options.database.db), options.tagTtlSeconds * 1000, logger.child({ context: 'ResolutionCache' }));
    const resolver = new ImageResolver({
      parse: (text) => parseImageReference(text, { unqualifiedRegistry: options.defaultRegistry }),
      registry,
      cache,
      platforms,
      allow: options.allow,
    });
    const catalogue = new SiteCatalogue({
      agents,
      platforms,
      allow: options.allow,
      quotaOf: (site) => quotaOf(site, options.siteQuotas, options.quotaBytes),
      logger: logger.child({ context: 'SiteCatalogue' }),
    });
    return {
      module: ImagesModule,
      controllers: [ImagesNatsController],
      providers: [
        { provide: ImageResolver, useValue: resolver },
        { provide: ImageEvents, useValue: events },
        { provide: SiteCatalogue, useValue: catalogue },
        { provide: ImagesDatabaseCloser, useValue: new ImagesDatabaseCloser(options.database) },
      ],
    };
  }
}
