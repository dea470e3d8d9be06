import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseOrThrow, resolveImageQuery, subjects } from '@cairn/contracts';
import { OciRegistryRepository, type PinnedImage } from '@cairn/adapters/oci-registry';
import { ImageEvents } from './image-events';

/** Resolves image references to digests, so every job runs a pinned image; each resolution is recorded (ImageEvents). */
@Controller()
export class ImagesNatsController {
  constructor(
    private readonly registry: OciRegistryRepository,
    private readonly events: ImageEvents,
  ) {}

  @MessagePattern(subjects.images.resolve)
  async resolve(@Payload() payload: unknown): Promise<PinnedImage> {
    const resolved = await this.registry.resolve(parseOrThrow(resolveImageQuery, payload).reference);
    void this.events.record(resolved);
    return resolved;
  }
}
