import { type DynamicModule, Module } from '@nestjs/common';
import { OciRegistryRepository, type OciRegistryOptions } from '@cairn/adapters/oci-registry';
import { ImagesNatsController } from './images.nats.controller';

/** The images capability: reference -> digest (per-site conversion lives in the agent's runtime). */
@Module({})
export class ImagesModule {
  static register(options: OciRegistryOptions): DynamicModule {
    return {
      module: ImagesModule,
      controllers: [ImagesNatsController],
      providers: [{ provide: OciRegistryRepository, useValue: new OciRegistryRepository(options) }],
    };
  }
}
