import type { ImagePrewarm } from '@cairn/adapters/nats';
import type { ResolvedImage } from '@cairn/contracts';

/** How long a (site, pinned image) pre-warmed for one job is not pre-warmed again for the next. */
export const PREWARM_REPEAT_MS = 5_000;
/** Most (site, image) pairs remembered (the least recently pre-warmed go first). */
export const MAX_PREWARMS_REMEMBERED = 10_000;

/**
 * Passes a job's prewarm on only when its (site, pinned image) was not pre-warmed in the last
 * `repeatMs`: a burst of jobs on one image asks the images service (and the site's agent) once,
 * not once per job. A prewarm is a hint (ADR 0015: losing one costs only time; a job's attempt
 * materialises its image before it is submitted to Slurm), so a skipped repeat changes no
 * outcome. Never throws, as the prewarm it wraps.
 */
export class PrewarmOnce implements ImagePrewarm {
  private readonly sent = new Map<string, number>();

  constructor(
    private readonly inner: ImagePrewarm,
    private readonly repeatMs = PREWARM_REPEAT_MS,
    private readonly now: () => number = Date.now,
    private readonly maxRemembered = MAX_PREWARMS_REMEMBERED,
  ) {}

  prewarm(site: string, images: readonly ResolvedImage[], runId: string): void {
    const at = this.now();
    const fresh = images.filter((image) => {
      const key = JSON.stringify([site, image.pinned]);
      const last = this.sent.get(key);
      if (last !== undefined && at - last < this.repeatMs && at >= last) return false;
      this.sent.delete(key);
      this.sent.set(key, at);
      return true;
    });
    while (this.sent.size > this.maxRemembered) {
      const oldest = this.sent.keys().next();
      if (oldest.done) break;
      this.sent.delete(oldest.value);
    }
    if (fresh.length > 0) this.inner.prewarm(site, fresh, runId);
  }
}
