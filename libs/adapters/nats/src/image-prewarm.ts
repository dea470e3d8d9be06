import { type PrewarmImageMessage, type ResolvedImage, subjects } from '@cairn/contracts';
import type { NatsConnection } from 'nats';
import { encodeJson } from './envelope';

/** Tells the images service that a run was accepted and its images will be needed at its site (ADR 0015). */
export interface ImagePrewarm {
  /** Once per pinned image; never throws (a lost prewarm costs only time: the job path materialises on its own). */
  prewarm(site: string, images: readonly ResolvedImage[], runId: string): void;
}

/**
 * Publishes `images.prewarm` (core NATS, no reply) once per (site, pinned image) of a run.
 * A publish that fails is handed to `onError` and goes no further.
 */
export class NatsImagePrewarm implements ImagePrewarm {
  constructor(
    private readonly nc: Pick<NatsConnection, 'publish'>,
    private readonly onError: (error: unknown, message: PrewarmImageMessage) => void,
  ) {}

  prewarm(site: string, images: readonly ResolvedImage[], runId: string): void {
    const seen = new Set<string>();
    for (const image of images) {
      if (seen.has(image.pinned)) continue;
      seen.add(image.pinned);
      const message: PrewarmImageMessage = { site, image, runId };
      try {
        this.nc.publish(subjects.images.prewarm, encodeJson(message));
      } catch (error) {
        this.onError(error, message);
      }
    }
  }
}
