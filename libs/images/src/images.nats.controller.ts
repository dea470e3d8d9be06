import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseOrThrow, resolveImageQuery, subjects } from '@cairn/contracts';
import { OciRegistryRepository } from '@cairn/adapters/oci-registry';

/** Resolves image references to digests, so every job runs a pinned image. */
@Controller()
export class ImagesNatsController {
  constructor(private readonly registry: OciRegistryRepository) {}

  @MessagePattern(subjects.images.resolve)
  resolve(@Payload() payload: unknown) {
    return this.registry.resolve(parseOrThrow(resolveImageQuery, payload).reference);
  }
}
