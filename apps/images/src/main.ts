import { z } from 'zod';
import { setting } from '@cairn/config';
import { ImagesModule } from '@cairn/images';
import { runService } from '@cairn/service-kit';

void runService({
  service: 'images',
  settings: {
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
  },
  module: ({ config }) =>
    ImagesModule.register({ defaultRegistry: config.registry, insecureRegistries: config.insecureRegistries }),
});
