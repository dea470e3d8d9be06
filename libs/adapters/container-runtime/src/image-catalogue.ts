import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CairnError,
  IMAGE_RUNTIMES,
  type ImageProgressMessage,
  imageDigest,
  MAX_IMAGE_RUN_IDS,
  pinnedReference,
  replaceControls,
  type SiteImageRecord,
  uuid,
} from '@cairn/contracts';
import { z } from 'zod';
import { digestHex } from './container-runtime';
import type { ImageProgress } from './image-materializer';
import { imageTreeBytes, sealImageTree } from './image-tree';

export type ImageRuntimeName = (typeof IMAGE_RUNTIMES)[number];

/** What the catalogue needs of a materializer (ImageMaterializer; specs give their own). */
export interface Materializer {
  readonly converter: { readonly suffix: string };
  materialize(pinned: string, digest: string, workDir: string, onProgress: (progress: ImageProgress) => void): Promise<string>;
}

export interface ImageCatalogueOptions {
  /** Where the images and catalogue.json are (the agent's `<workDir>/images`). */
  dir: string;
  runtime: ImageRuntimeName;
  materializer: Materializer;
  /** Whether an attempt the agent follows (not final) runs the image: eviction is refused then. */
  inUse?: (digest: string) => boolean;
  /** Hears every conversion's progress (the agent publishes it on NATS). */
  onProgress?: (message: ImageProgressMessage) => void;
  now?: () => Date;
}

/** One image the site holds, as catalogue.json records it (inUse is computed, never stored). */
const storedImage = z
  .object({
    digest: imageDigest,
    pinned: pinnedReference,
    size: z.number().int().min(0),
    runtime: z.enum(IMAGE_RUNTIMES),
    materializedAt: z.string(),
    lastUsed: z.string(),
    runIds: z.array(uuid).max(MAX_IMAGE_RUN_IDS),
  })
  .strict();
type StoredImage = z.infer<typeof storedImage>;
const catalogueFile = z
  .object({
    version: z.literal(1),
    images: z.array(storedImage),
    /** Conversions per digest, kept after eviction. */
    conversions: z.record(imageDigest, z.number().int().min(0)),
  })
  .strict();

export const CATALOGUE_FILE = 'catalogue.json';
/**
 * Temporary directories of conversions (`.build-` was Apptainer's before the catalogue) and
 * images being evicted (`.evict-`: moved aside at once, removed after).
 */
const WORK_PREFIXES = ['.pull-', '.build-', '.evict-', `${CATALOGUE_FILE}.tmp-`];

interface Conversion {
  pinned: string;
  last: ImageProgressMessage;
  listeners: Set<(message: ImageProgressMessage) => void>;
  done: Promise<void>;
}

/** What materialize gives: the record and the file (or directory) the runtime runs. */
export interface MaterializedImage {
  record: SiteImageRecord;
  path: string;
}

/**
 * The site's images: one runtime file per digest (`<hex><suffix>`, 0644: jobs read it), or
 * one directory (Charliecloud's directory form, ADR 0021: sealed by sealImageTree, every
 * entry readable and none writable by jobs; its size the bytes of its files) and
 * catalogue.json beside them (0600: the runs it names are the agent's to tell; replaced atomically: written to a temporary file, fsynced,
 * renamed, the directory fsynced), holding each image's pinned reference, size, runtime,
 * times, the runs that used it (most recent first, at most MAX_IMAGE_RUN_IDS) and how many
 * times each digest was converted here. At most one conversion per digest runs at a time:
 * a request during one joins it, and a file already in place is taken as it is (a file of
 * an earlier agent without a record too). A conversion works in a temporary directory
 * beside the images, removed when it ends; those a crash left are removed at open.
 * Nothing is recorded for a conversion that failed.
 */
export class ImageCatalogue {
  private readonly images = new Map<string, StoredImage>();
  private readonly conversions = new Map<string, number>();
  private readonly inFlight = new Map<string, Conversion>();
  private readonly evicting = new Map<string, Promise<unknown>>();
  private writes: Promise<void> = Promise.resolve();
  private readonly now: () => Date;

  private constructor(private readonly options: ImageCatalogueOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Opens (creating) the catalogue in `options.dir`, removing what interrupted conversions left. */
  static async open(options: ImageCatalogueOptions): Promise<ImageCatalogue> {
    const catalogue = new ImageCatalogue(options);
    await catalogue.load();
    return catalogue;
  }

  get runtime(): ImageRuntimeName {
    return this.options.runtime;
  }

  pathOf(digest: string): string {
    return join(this.options.dir, `${digestHex(digest)}${this.options.materializer.converter.suffix}`);
  }

  /**
   * Makes the site hold `pinned` (its digest `digest`): the file already there, the
   * conversion under way joined, or one conversion started. Records `runId` as a use.
   */
  async materialize(pinned: string, digest: string, options: { runId?: string; onProgress?: (message: ImageProgressMessage) => void } = {}): Promise<MaterializedImage> {
    checkPinned(pinned, digest);
    for (let pending = this.evicting.get(digest); pending; pending = this.evicting.get(digest)) await pending.catch(() => undefined);
    if (!this.images.has(digest)) {
      const conversion = this.inFlight.get(digest) ?? this.start(pinned, digest);
      const { onProgress } = options;
      if (onProgress) {
        conversion.listeners.add(onProgress);
        safely(onProgress, conversion.last);
      }
      try {
        await conversion.done;
      } finally {
        if (onProgress) conversion.listeners.delete(onProgress);
      }
    }
    await this.markUsed(digest, options.runId);
    const record = this.recordOf(digest);
    if (!record) throw new CairnError('FAILED_PRECONDITION', `image ${digest} was evicted from this site while it was requested; ask again`);
    return { record, path: this.pathOf(digest) };
  }

  /** A run used the image now: lastUsed, and the run first in runIds (durable when it resolves). */
  async markUsed(digest: string, runId?: string): Promise<void> {
    const image = this.images.get(digest);
    if (!image) return;
    image.lastUsed = this.now().toISOString();
    if (runId) image.runIds = [runId, ...image.runIds.filter((id) => id !== runId)].slice(0, MAX_IMAGE_RUN_IDS);
    await this.persist();
  }

  /** The record of an image the site holds, or undefined. */
  recordOf(digest: string): SiteImageRecord | undefined {
    const image = this.images.get(digest);
    if (!image) return undefined;
    return { ...image, runIds: [...image.runIds], inUse: this.options.inUse?.(digest) ?? false, conversions: this.conversions.get(digest) ?? 0 };
  }

  /** Whether a conversion of `digest` runs now. */
  converting(digest: string): boolean {
    return this.inFlight.has(digest);
  }

  /** Every image (most recently used first), the bytes they take, and the conversions under way. */
  list(): { images: SiteImageRecord[]; usedBytes: number; converting: { digest: string; pinned: string }[] } {
    const images = [...this.images.keys()]
      .map((digest) => this.recordOf(digest) as SiteImageRecord)
      .sort((a, b) => b.lastUsed.localeCompare(a.lastUsed) || a.digest.localeCompare(b.digest));
    return {
      images,
      usedBytes: images.reduce((sum, image) => sum + image.size, 0),
      converting: [...this.inFlight].map(([digest, conversion]) => ({ digest, pinned: conversion.pinned })),
    };
  }

  /**
   * Removes an image: refused (FAILED_PRECONDITION) while it converts or an attempt the
   * agent follows runs it. The record goes first (durably), then the file. An image the
   * site does not hold frees 0 bytes.
   */
  async evict(digest: string): Promise<{ freedBytes: number }> {
    digestHex(digest);
    if (this.inFlight.has(digest)) throw new CairnError('FAILED_PRECONDITION', `image ${digest} is being converted on this site; it cannot be evicted now`);
    if (this.options.inUse?.(digest)) throw new CairnError('FAILED_PRECONDITION', `image ${digest} is used by an attempt that has not ended; it cannot be evicted now`);
    const image = this.images.get(digest);
    if (!image) return { freedBytes: 0 };
    const removal = (async () => {
      this.images.delete(digest);
      await this.persist();
      // Moved aside first (one rename): a directory image half removed is never found again as an image.
      const aside = join(this.options.dir, `.evict-${digestHex(digest).slice(0, 12)}-${randomBytes(6).toString('hex')}`);
      const moved = await rename(this.pathOf(digest), aside).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return false;
          throw error;
        },
      );
      if (moved) await rm(aside, { recursive: true, force: true });
    })();
    this.evicting.set(digest, removal);
    try {
      await removal;
    } finally {
      this.evicting.delete(digest);
    }
    return { freedBytes: image.size };
  }

  private start(pinned: string, digest: string): Conversion {
    const conversion: Conversion = {
      pinned,
      last: { digest, phase: 'waiting', bytesDone: 0, bytesTotal: 0 },
      listeners: new Set(),
      done: Promise.resolve(),
    };
    // The conversion ends (for list, evict and later requests) before its last message is heard.
    conversion.done = this.convert(conversion, pinned, digest).then(
      (ready) => {
        this.inFlight.delete(digest);
        this.emit(conversion, ready);
      },
      (error: unknown) => {
        this.inFlight.delete(digest);
        this.emit(conversion, { ...conversion.last, phase: 'failed', error: replaceControls((error as Error).message).slice(0, 2000) });
        throw error;
      },
    );
    this.inFlight.set(digest, conversion);
    return conversion;
  }

  private emit(conversion: Conversion, message: ImageProgressMessage): void {
    conversion.last = message;
    if (this.options.onProgress) safely(this.options.onProgress, message);
    for (const listener of conversion.listeners) safely(listener, message);
  }

  /** Converts (or adopts the file in place) and records it; resolves with the `ready` message. */
  private async convert(conversion: Conversion, pinned: string, digest: string): Promise<ImageProgressMessage> {
    const target = this.pathOf(digest);
    const found = await stat(target).catch(() => undefined);
    if (found) {
      // A file in place without a record (an earlier agent's, or a crash before the record): no
      // conversion. A directory is only ever renamed into place sealed and whole.
      const size = found.isDirectory() ? await imageTreeBytes(target) : found.size;
      this.record(digest, pinned, size, found.mtime);
      await this.persist();
      return { digest, phase: 'ready', bytesDone: size, bytesTotal: size };
    }
    const work = await mkdtemp(join(this.options.dir, `.pull-${digestHex(digest).slice(0, 12)}-`));
    try {
      const file = await this.options.materializer.materialize(pinned, digest, work, (progress) => this.emit(conversion, { digest, ...progress }));
      // Jobs run as the job user: the image must be readable by it (never writable).
      let size: number;
      if ((await stat(file)).isDirectory()) {
        size = await sealImageTree(file);
      } else {
        await chmod(file, 0o644);
        size = (await stat(file)).size;
      }
      await rename(file, target);
      this.conversions.set(digest, (this.conversions.get(digest) ?? 0) + 1);
      this.record(digest, pinned, size, this.now());
      await this.persist();
      return { digest, phase: 'ready', bytesDone: size, bytesTotal: size };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  private record(digest: string, pinned: string, size: number, at: Date): void {
    const time = at.toISOString();
    this.images.set(digest, { digest, pinned, size, runtime: this.options.runtime, materializedAt: time, lastUsed: time, runIds: [] });
  }

  private async load(): Promise<void> {
    const { dir } = this.options;
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(dir)) {
      if (WORK_PREFIXES.some((prefix) => name.startsWith(prefix))) await rm(join(dir, name), { recursive: true, force: true });
    }
    const text = await readFile(join(dir, CATALOGUE_FILE), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text === undefined) return;
    let parsed: z.infer<typeof catalogueFile> | undefined;
    try {
      parsed = catalogueFile.safeParse(JSON.parse(text)).data;
    } catch {
      parsed = undefined;
    }
    if (!parsed) {
      // Never written half (rename): a file that does not parse was changed by hand. Keep it aside.
      await rename(join(dir, CATALOGUE_FILE), join(dir, `${CATALOGUE_FILE}.unreadable-${Date.now()}`));
      return;
    }
    for (const [digest, count] of Object.entries(parsed.conversions)) this.conversions.set(digest, count);
    const dropped: string[] = [];
    for (const image of parsed.images) {
      if (await stat(this.pathOf(image.digest)).then(() => true, () => false)) this.images.set(image.digest, image);
      else dropped.push(digestHex(image.digest));
    }
    if (dropped.length === 0) return;
    await this.persist();
    // What another form left of a dropped image (the site changed CAIRN_CHARLIECLOUD_IMAGE_FORM
    // or its runtime, ADR 0021): removed, so the bytes are not held unrecorded.
    for (const name of await readdir(dir)) {
      if (dropped.some((hex) => name.startsWith(`${hex}.`))) await rm(join(dir, name), { recursive: true, force: true });
    }
  }

  /** Writes the catalogue as it is now; writes run one after another. */
  private persist(): Promise<void> {
    const next = this.writes.then(() => this.write());
    this.writes = next.catch(() => undefined);
    return next;
  }

  private async write(): Promise<void> {
    const { dir } = this.options;
    const content = JSON.stringify({ version: 1, images: [...this.images.values()], conversions: Object.fromEntries(this.conversions) }, null, 1);
    const tmp = join(dir, `${CATALOGUE_FILE}.tmp-${randomBytes(6).toString('hex')}`);
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(dir, CATALOGUE_FILE));
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }
}

function checkPinned(pinned: string, digest: string): void {
  if (!pinnedReference.safeParse(pinned).success || !imageDigest.safeParse(digest).success || !pinned.endsWith(`@${digest}`)) {
    throw new CairnError('INVALID_ARGUMENT', `not a pinned image reference for ${digest}: ${JSON.stringify(pinned.slice(0, 600))}`);
  }
}

function safely<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch {
    // A listener's failure never stops a conversion.
  }
}
