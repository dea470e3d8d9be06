import type { ResolvedImage } from '@cairn/contracts';

/** Most answers kept (the least recently stored go first). */
export const MAX_RESOLVED_IMAGES = 10_000;

/** Asks the images service to resolve a reference for a site (cairn.images.resolve). */
export type AskImages = (reference: string, site: string) => Promise<ResolvedImage>;

interface Kept {
  image: ResolvedImage;
  /** Until when (this process's clock, ms) the answer may be reused. */
  until: number;
}

/**
 * The scheduler's tag → digest cache in front of the images service: an answer for a
 * (reference, site) is reused for as long as the images service said it may be
 * (`reuseForMs`: what remains of its tag TTL, CAIRN_IMAGE_TAG_TTL_SECONDS), so a moved tag
 * reaches new submissions no later than through the images service itself, and a TTL of 0
 * keeps nothing. Concurrent misses for the same (reference, site) make one request; a
 * refusal or failure is never kept (the next submission asks again).
 */
export class ResolvedImages {
  private readonly kept = new Map<string, Kept>();
  private readonly flights = new Map<string, Promise<ResolvedImage>>();

  constructor(
    private readonly ask: AskImages,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = MAX_RESOLVED_IMAGES,
  ) {}

  resolve(reference: string, site: string): Promise<ResolvedImage> {
    const id = JSON.stringify([reference, site]);
    const known = this.kept.get(id);
    if (known && this.now() < known.until) return Promise.resolve({ ...known.image, cached: true });
    if (known) this.kept.delete(id);
    const flying = this.flights.get(id);
    if (flying) return flying;
    // Counted from when it was asked (before the images service looked at its clock): never past its TTL.
    const asked = this.now();
    const flight = this.ask(reference, site)
      .then((image) => {
        this.keep(id, image, asked);
        return image;
      })
      .finally(() => this.flights.delete(id));
    this.flights.set(id, flight);
    return flight;
  }

  /** Whether resolve would answer now from what is kept, without asking. */
  holds(reference: string, site: string): boolean {
    const known = this.kept.get(JSON.stringify([reference, site]));
    return known !== undefined && this.now() < known.until;
  }

  /** Answers kept now (expired ones count until they are next asked for). */
  get size(): number {
    return this.kept.size;
  }

  private keep(id: string, image: ResolvedImage, asked: number): void {
    const until = asked + (image.reuseForMs ?? 0);
    if (until <= this.now()) return;
    this.kept.delete(id);
    this.kept.set(id, { image, until });
    while (this.kept.size > this.maxEntries) {
      const oldest = this.kept.keys().next();
      if (oldest.done) break;
      this.kept.delete(oldest.value);
    }
  }
}
