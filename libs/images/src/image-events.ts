import { type ImageEvent, type ResolvedImage, subjects } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';

/** How an image event is published (JetStreamRepository.publish). */
export type PublishImageEvent = (subject: string, data: ImageEvent, msgId: string) => Promise<unknown>;

/** The event of one resolution: the reference as asked, the pinned reference, its digest and registry, and the facts known of it. */
export function imageEventOf(resolved: ResolvedImage, at: Date): ImageEvent {
  const slash = resolved.pinned.indexOf('/');
  return {
    reference: resolved.reference,
    imageRef: resolved.pinned,
    digest: resolved.digest,
    registry: slash > 0 ? resolved.pinned.slice(0, slash) : '',
    time: at.toISOString(),
    ...(resolved.canonical ? { canonical: resolved.canonical } : {}),
    ...(resolved.indexDigest ? { indexDigest: resolved.indexDigest } : {}),
    ...(resolved.platform ? { platform: [resolved.platform.os, resolved.platform.architecture, ...(resolved.platform.variant ? [resolved.platform.variant] : [])].join('/') } : {}),
    ...(resolved.mediaType ? { mediaType: resolved.mediaType } : {}),
    ...(resolved.size !== undefined ? { size: resolved.size } : {}),
  };
}

/**
 * Records each resolution in CAIRN_IMAGE_EVENTS for provenance (subjects.images.resolved),
 * with the pinned reference as message id: the stream keeps one event per pinned image
 * within its duplicate window, however often it is resolved. Publishing never holds up or
 * fails a resolution: it runs after the answer, and a failure is logged.
 */
export class ImageEvents {
  constructor(
    private readonly publish: PublishImageEvent,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Publishes the resolution's event; resolves when it was stored or its failure logged. */
  async record(resolved: ResolvedImage): Promise<void> {
    try {
      await this.publish(subjects.images.resolved, imageEventOf(resolved, this.clock()), resolved.pinned);
    } catch (error) {
      this.logger.error({ reference: resolved.reference, imageRef: resolved.pinned, err: error instanceof Error ? error.message : String(error) }, 'image event not published; the resolution stands');
    }
  }
}
