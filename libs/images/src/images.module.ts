import { type DynamicModule, Module } from '@nestjs/common';
import { streams } from '@cairn/contracts';
import { JetStreamRepository, type NatsConnection } from '@cairn/adapters/nats';
import { OciRegistryRepository, type OciRegistryOptions } from '@cairn/adapters/oci-registry';
import type { Logger } from '@cairn/logging';
import { ImageEvents } from './image-events';
import { ImagesNatsController } from './images.nats.controller';

export interface ImagesModuleOptions extends OciRegistryOptions {
  nats: NatsConnection;
  logger: Logger;
}

/**
 * The images capability: reference -> digest (per-site conversion lives in the agent's
 * runtime), each resolution recorded in CAIRN_IMAGE_EVENTS, which it ensures at start (a
 * failure there is logged: resolving goes on, and each event's publish logs its own).
 */
@Module({})
export class ImagesModule {
  static async register(options: ImagesModuleOptions): Promise<DynamicModule> {
    const { nats, logger, ...registry } = options;
    const jetstream = new JetStreamRepository(nats);
    try {
      await jetstream.ensureStream(streams.imageEvents);
    } catch (error) {
      logger.error({ stream: streams.imageEvents.name, err: error instanceof Error ? error.message : String(error) }, 'image events stream not ensured; resolutions go on unrecorded until it exists');
    }
    const events = new ImageEvents((subject, data, msgId) => jetstream.publish(subject, data, msgId), logger.child({ context: 'ImageEvents' }));
    return {
      module: ImagesModule,
      controllers: [ImagesNatsController],
      providers: [
        { provide: OciRegistryRepository, useValue: new OciRegistryRepository(registry) },
        { provide: ImageEvents, useValue: events },
      ],
    };
  }
}
