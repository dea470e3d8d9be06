import { type ImageProgressMessage, subjects } from '@cairn/contracts';
import { encodeJson, type NatsConnection } from '@cairn/adapters/nats';
import { digestHex } from '@cairn/adapters/container-runtime';

/** Least time between two progress messages of one conversion (at most 4 a second). */
export const PROGRESS_INTERVAL_MS = 250;

/**
 * Publishes conversions' progress on core NATS (subjects.imageProgress(site, hex)),
 * throttled per digest: a message when the phase changes or PROGRESS_INTERVAL_MS after the
 * last one; `ready` and `failed` always.
 */
export class ImageProgressPublisher {
  private readonly last = new Map<string, { phase: string; at: number }>();

  constructor(
    private readonly site: string,
    private readonly publish: (subject: string, data: Uint8Array) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  static on(nats: NatsConnection, site: string): ImageProgressPublisher {
    return new ImageProgressPublisher(site, (subject, data) => nats.publish(subject, data));
  }

  readonly hear = (message: ImageProgressMessage): void => {
    const now = this.clock();
    const final = message.phase === 'ready' || message.phase === 'failed';
    const previous = this.last.get(message.digest);
    if (!final && previous && previous.phase === message.phase && now - previous.at < PROGRESS_INTERVAL_MS) return;
    if (final) this.last.delete(message.digest);
    else this.last.set(message.digest, { phase: message.phase, at: now });
    this.publish(subjects.imageProgress(this.site, digestHex(message.digest)), encodeJson(message));
  };
}
