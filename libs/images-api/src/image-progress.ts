import { decodeJson, type NatsConnection } from '@cairn/adapters/nats';
import { type ImageProgressMessage, imageProgressMessage, subjects } from '@cairn/contracts';

/** Progress of one (site, digest) conversion as it is published, until closed. */
export interface ProgressFeed extends AsyncIterable<ImageProgressMessage> {
  close(): void;
}

/** Where progress comes from: a subscription opened before the materialisation is asked for, so no message is missed. */
export interface ProgressSource {
  subscribe(site: string, digest: string): ProgressFeed;
}

/** What an agent publishes, or undefined for anything else (a malformed message is skipped, never trusted). */
export function readProgress(data: Uint8Array, digest: string): ImageProgressMessage | undefined {
  let raw: unknown;
  try {
    raw = decodeJson(data);
  } catch {
    return undefined;
  }
  const parsed = imageProgressMessage.safeParse(raw);
  return parsed.success && parsed.data.digest === digest ? parsed.data : undefined;
}

/** Progress from the agents' core NATS publishes on subjects.imageProgress(site, hex). */
export class NatsProgressSource implements ProgressSource {
  constructor(private readonly nc: Pick<NatsConnection, 'subscribe'>) {}

  subscribe(site: string, digest: string): ProgressFeed {
    const subscription = this.nc.subscribe(subjects.imageProgress(site, digest.replace(/^sha256:/, '')));
    return {
      close: () => subscription.unsubscribe(),
      async *[Symbol.asyncIterator]() {
        for await (const message of subscription) {
          const progress = readProgress(message.data, digest);
          if (progress) yield progress;
        }
      },
    };
  }
}
