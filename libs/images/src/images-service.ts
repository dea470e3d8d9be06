import type { ServiceDefinition } from '@cairn/service-kit';
import { ImagesModule, openImagesDatabase } from './images.module';
import { imagesSettings } from './images-settings';

/** The images service: its settings and its wiring from them; apps/images only runs it. */
export const imagesService: ServiceDefinition<typeof imagesSettings> = {
  service: 'images',
  settings: imagesSettings,
  module: async ({ config, nats, logger }) => {
    const database = await openImagesDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });
    return ImagesModule.register({
      database,
      nats,
      logger,
      defaultRegistry: config.registry,
      insecureRegistries: config.insecureRegistries,
      ...(config.registryAuthFile ? { registryAuthFile: config.registryAuthFile } : {}),
      registryTimeoutMs: config.registryTimeoutMs,
      allow: config.registryAllow,
      tagTtlSeconds: config.tagTtlSeconds,
      quotaBytes: config.quotaBytes,
      siteQuotas: config.siteQuotas,
    });
  },
};
