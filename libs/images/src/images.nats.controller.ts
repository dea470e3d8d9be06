import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  evictImageRequest,
  listImagesRequest,
  type ListImagesReply,
  materializeImageRequest,
  type MaterializeImageReply,
  parseOrThrow,
  type ResolvedImage,
  resolveImageQuery,
  subjects,
} from '@cairn/contracts';
import { ImageEvents } from './image-events';
import { ImageResolver } from './image-resolver';
import { SiteCatalogue } from './site-catalogue';

/**
 * The images service's subjects (ADR 0015): references resolved to pinned digests (each
 * resolution recorded by ImageEvents), and the sites' catalogues through their agents.
 */
@Controller()
export class ImagesNatsController {
  constructor(
    private readonly resolver: ImageResolver,
    private readonly events: ImageEvents,
    private readonly catalogue: SiteCatalogue,
  ) {}

  @MessagePattern(subjects.images.resolve)
  async resolve(@Payload() payload: unknown): Promise<ResolvedImage> {
    const resolved = await this.resolver.resolve(parseOrThrow(resolveImageQuery, payload));
    void this.events.record(resolved);
    return resolved;
  }

  @MessagePattern(subjects.images.materialize)
  materialize(@Payload() payload: unknown): Promise<MaterializeImageReply> {
    return this.catalogue.materialize(parseOrThrow(materializeImageRequest, payload));
  }

  /** A publish (no reply): what goes wrong, a malformed message too, is logged. */
  @MessagePattern(subjects.images.prewarm)
  prewarm(@Payload() payload: unknown): void {
    this.catalogue.prewarm(payload);
  }

  @MessagePattern(subjects.images.list)
  list(@Payload() payload: unknown): Promise<ListImagesReply> {
    const request = parseOrThrow(listImagesRequest, payload);
    return this.catalogue.list(request.site, request.caller);
  }

  @MessagePattern(subjects.images.evict)
  evict(@Payload() payload: unknown): Promise<{ freedBytes: number }> {
    return this.catalogue.evict(parseOrThrow(evictImageRequest, payload));
  }
}
