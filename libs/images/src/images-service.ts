import { z } from 'zod';
import { setting } from '@cairn/config';
import type { ServiceDefinition } from '@cairn/service-kit';
import { ImagesModule } from './images.module';

/** The images service's settings: docs/configuration.md, "images". */
const imagesSettings = {
  registry: setting(
    'CAIRN_REGISTRY',
    z.string().regex(/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/, 'expected host[:port]').default('127.0.0.1:5000'),
    'registry for image references that name none',
  ),
  insecureRegistries: setting(
    'CAIRN_INSECURE_REGISTRIES',
    z
      .string()
      .default('')
      .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
    'registries reached over plain HTTP (comma-separated host:port)',
  ),
};

/** The images service: its settings and its wiring from them; apps/images only runs it. */
export const imagesService: ServiceDefinition<typeof imagesSettings> = {
  service: 'images',
  settings: imagesSettings,
  module: ({ config, nats, logger }) => ImagesModule.register({ defaultRegistry: config.registry, insecureRegistries: config.insecureRegistries, nats, logger }),
};
