import type { ImageCatalogue } from '@cairn/adapters/container-runtime';
import { type AgentImageList, type AgentMaterializeCommand, type AgentMaterializeReply, CairnError, MAX_ROWS_REPLY_BYTES, MAX_SITE_IMAGES, type Platform } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';

/** Run ids per image tried in turn when a list does not fit one reply. */
const RUN_ID_STEPS = [Number.MAX_SAFE_INTEGER, 10, 1];
const replyBytes = (reply: AgentImageList) => Buffer.byteLength(JSON.stringify(reply));

/**
 * The site's image catalogue as the images service asks for it (docs/images.md):
 * materialise (waiting for it, or only starting it), list, evict.
 */
export class SiteImages {
  constructor(
    private readonly catalogue: ImageCatalogue,
    private readonly platform: Platform,
    private readonly logger: Logger,
  ) {}

  /** With `wait`: the record once it is ready (a failure is the reply's error). Without: `ready` or `converting` at once. */
  async materialize(command: AgentMaterializeCommand): Promise<AgentMaterializeReply> {
    if (!command.pinned.endsWith(`@${command.digest}`)) throw new CairnError('INVALID_ARGUMENT', `pinned reference ${command.pinned} does not name digest ${command.digest}`);
    const runId = command.runId ? { runId: command.runId } : {};
    if (command.wait) {
      const { record } = await this.catalogue.materialize(command.pinned, command.digest, runId);
      return { state: 'ready', image: record };
    }
    // A record is written only once the file is in place: held means ready.
    const held = this.catalogue.recordOf(command.digest);
    const pending = this.catalogue.materialize(command.pinned, command.digest, runId);
    if (held) {
      const { record } = await pending;
      return { state: 'ready', image: record };
    }
    pending.catch((error: unknown) => this.logger.warn({ pinned: command.pinned, err: (error as Error).message }, 'pre-warming an image failed'));
    return { state: 'converting' };
  }

  /**
   * The catalogue, most recently used first, in one reply of at most MAX_ROWS_REPLY_BYTES:
   * at most MAX_SITE_IMAGES images, each with its most recent run ids (all of them, or as
   * many of RUN_ID_STEPS as fit); only when even no run ids do not fit, the least recently
   * used images are left out. usedBytes counts every image. The agent itself refuses to
   * evict an image an attempt it follows runs, whatever the list showed.
   */
  list(): AgentImageList {
    const { images, usedBytes, converting } = this.catalogue.list();
    const base = { runtime: this.catalogue.runtime, platform: this.platform, usedBytes, converting: converting.slice(0, MAX_SITE_IMAGES) };
    let kept = images.slice(0, MAX_SITE_IMAGES);
    for (const runIds of RUN_ID_STEPS) {
      const reply = { ...base, images: kept.map((image) => ({ ...image, runIds: image.runIds.slice(0, runIds) })) };
      if (replyBytes(reply) <= MAX_ROWS_REPLY_BYTES) return reply;
    }
    kept = kept.map((image) => ({ ...image, runIds: [] }));
    while (kept.length > 0 && replyBytes({ ...base, images: kept }) > MAX_ROWS_REPLY_BYTES) kept = kept.slice(0, Math.floor(kept.length * 0.9));
    return { ...base, images: kept };
  }

  evict(digest: string): Promise<{ freedBytes: number }> {
    return this.catalogue.evict(digest);
  }
}
