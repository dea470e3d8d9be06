import { isAdmin } from '@cairn/access';
import {
  agentMaterializeCommand,
  CairnError,
  denied,
  type evictImageRequest,
  type ListImagesReply,
  type MaterializeImageReply,
  type MaterializeImageRequest,
  type PrewarmImageMessage,
  prewarmImageMessage,
  type Principal,
  parseOrThrow,
  type ResolvedImage,
  type RunInfo,
  type SiteImageRecord,
} from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import type { z } from 'zod';
import { imageForCaller, runIdsOf } from './image-access';
import { chooseEvictions } from './quota-policy';
import { type RegistryAllowList, registryAllowed } from './registry-allow-list';
import type { SiteAgents } from './site-agents';
import type { SitePlatforms } from './site-platforms';

type EvictImageRequest = z.infer<typeof evictImageRequest>;

export interface SiteCatalogueDeps {
  agents: SiteAgents;
  platforms: Pick<SitePlatforms, 'remember'>;
  allow: RegistryAllowList;
  /** The site's quota in bytes (CAIRN_IMAGE_SITE_QUOTAS, else CAIRN_IMAGE_QUOTA_BYTES). */
  quotaOf: (site: string) => number;
  logger: Logger;
}

/**
 * The policy of each site's catalogue (ADR 0015): what to materialise (through the site's
 * agent, which holds the files), what a caller sees of it, what an admin may evict, and the
 * quota (least recently used first, never an image in use or a live run's).
 */
export class SiteCatalogue {
  /** One quota enforcement at a time per site, in order. */
  private readonly enforcing = new Map<string, Promise<unknown>>();
  /** Prewarms and quota enforcements under way in the background. */
  private readonly background = new Set<Promise<unknown>>();

  constructor(private readonly deps: SiteCatalogueDeps) {}

  /** Makes `site` hold the image (joining a conversion under way), then keeps the site within its quota, then answers. */
  async materialize(request: MaterializeImageRequest): Promise<MaterializeImageReply> {
    const command = this.commandFor(request.site, request.image, request.runId, true);
    const reply = await this.deps.agents.materialize(request.site, command);
    if (reply.state !== 'ready' || !reply.image) {
      throw new CairnError('UNAVAILABLE', `the agent of site ${request.site} answered "${reply.state}" to a waited materialisation of ${command.pinned}`);
    }
    // Before the reply, so that what the caller lists next is within the quota; a failure is only logged.
    await this.enforceQuota(request.site, command.digest).catch((error: unknown) => this.deps.logger.warn({ site: request.site, err: errorText(error) }, 'quota not enforced this time'));
    return { site: request.site, image: reply.image };
  }

  /** Starts materialising (no reply: a failure is logged), then keeps the site within its quota once it is ready. */
  prewarm(payload: unknown): void {
    const parsed = prewarmImageMessage.safeParse(payload);
    if (!parsed.success) {
      this.deps.logger.warn({ err: parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') }, 'malformed prewarm message ignored');
      return;
    }
    const message = parsed.data;
    void this.inBackground(this.prewarmNow(message)).catch((error: unknown) =>
      this.deps.logger.warn({ site: message.site, imageRef: message.image.pinned, runId: message.runId, err: errorText(error) }, 'prewarm failed; the run\'s jobs will materialise the image themselves'),
    );
  }

  private async prewarmNow(message: PrewarmImageMessage): Promise<void> {
    const command = this.commandFor(message.site, message.image, message.runId, false);
    const started = await this.deps.agents.materialize(message.site, command);
    if (started.state !== 'ready') {
      // Joins the conversion it started (at most one per digest at the site) and waits for its end.
      await this.deps.agents.materialize(message.site, { ...command, wait: true });
    }
    this.deps.logger.info({ site: message.site, imageRef: command.pinned, runId: message.runId }, 'prewarmed');
    await this.enforceQuota(message.site, command.digest);
  }

  /** The site's catalogue as `caller` sees it, most recently used first. */
  async list(site: string, caller: Principal): Promise<ListImagesReply> {
    const catalogue = await this.deps.agents.list(site);
    this.deps.platforms.remember(site, catalogue.platform);
    const runs = await this.runsOf(catalogue.images);
    const images = catalogue.images.map((image) => imageForCaller(image, caller, runs)).sort((a, b) => Date.parse(b.lastUsed) - Date.parse(a.lastUsed));
    return { site, quotaBytes: this.deps.quotaOf(site), usedBytes: catalogue.usedBytes, runtime: catalogue.runtime, platform: catalogue.platform, images };
  }

  /** Evicts one image (admins only; never one in use or a live run's). */
  async evict(request: EvictImageRequest): Promise<{ freedBytes: number }> {
    if (!isAdmin(request.caller)) throw denied(`evicting images is for admins; ${request.caller.name} is not one`);
    const catalogue = await this.deps.agents.list(request.site);
    const image = catalogue.images.find((candidate) => candidate.digest === request.digest);
    if (!image) throw new CairnError('NOT_FOUND', `site ${request.site} holds no image ${request.digest}`);
    const runs = await this.runsOf([image]);
    const live = image.runIds.filter((runId) => runs.get(runId)?.live === true);
    if (image.inUse || live.length > 0) {
      const why = live.length > 0 ? `live run${live.length > 1 ? 's' : ''} ${live.slice(0, 5).join(', ')}${live.length > 5 ? ', ...' : ''} need${live.length > 1 ? '' : 's'} it` : 'an attempt at the site runs it';
      throw new CairnError('FAILED_PRECONDITION', `image ${request.digest} at site ${request.site} is not evicted: ${why}`);
    }
    const freedBytes = await this.deps.agents.evict(request.site, request.digest);
    this.deps.logger.info({ site: request.site, digest: request.digest, freedBytes, by: request.caller.name }, 'image evicted by an admin');
    return { freedBytes };
  }

  /**
   * When the site holds more than its quota, evicts the least recently used images that are
   * not in use and whose runs are all final (not `keep`), until it is under; logs each.
   * Returns the digests evicted.
   */
  enforceQuota(site: string, keep?: string): Promise<string[]> {
    const previous = this.enforcing.get(site) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.enforceNow(site, keep));
    this.enforcing.set(site, next);
    void next.finally(() => {
      if (this.enforcing.get(site) === next) this.enforcing.delete(site);
    }).catch(() => undefined);
    return next;
  }

  /** Resolves when nothing runs in the background any more (shutdown, specs). */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  private inBackground<T>(work: Promise<T>): Promise<T> {
    this.background.add(work);
    void work.finally(() => this.background.delete(work)).catch(() => undefined);
    return work;
  }


  private async enforceNow(site: string, keep?: string): Promise<string[]> {
    const quota = this.deps.quotaOf(site);
    const catalogue = await this.deps.agents.list(site);
    this.deps.platforms.remember(site, catalogue.platform);
    if (catalogue.usedBytes <= quota) return [];
    const runs = await this.runsOf(catalogue.images);
    const live = new Set([...runs.values()].filter((run) => run.live).map((run) => run.runId));
    const chosen = chooseEvictions(catalogue.images, catalogue.usedBytes, quota, live, new Set(keep ? [keep] : []));
    const evicted: string[] = [];
    let used = catalogue.usedBytes;
    for (const image of chosen) {
      try {
        const freedBytes = await this.deps.agents.evict(site, image.digest);
        used -= freedBytes;
        evicted.push(image.digest);
        this.deps.logger.info({ site, digest: image.digest, imageRef: image.pinned, freedBytes, lastUsed: image.lastUsed, usedBytes: used, quotaBytes: quota }, 'image evicted to keep the site within its quota');
      } catch (error) {
        // The agent refuses an image an attempt started on meanwhile: the next one is tried.
        this.deps.logger.warn({ site, digest: image.digest, err: errorText(error) }, 'image not evicted');
      }
    }
    if (used > quota) this.deps.logger.warn({ site, usedBytes: used, quotaBytes: quota }, 'site is over its image quota: what remains is in use or needed by live runs');
    return evicted;
  }

  /** The scheduler's facts of the runs these images name. */
  private async runsOf(images: readonly SiteImageRecord[]): Promise<Map<string, RunInfo>> {
    const ids = runIdsOf(images);
    if (ids.length === 0) return new Map();
    return new Map((await this.deps.agents.runsInfo(ids)).map((run) => [run.runId, run]));
  }

  /** The agent's command for a resolved image; refused before any request when it is not pinned or its registry is not allowed at the site. */
  private commandFor(site: string, image: ResolvedImage, runId: string | undefined, wait: boolean) {
    const command = parseOrThrow(agentMaterializeCommand, { pinned: image.pinned, digest: image.digest, ...(runId ? { runId } : {}), wait });
    if (!command.pinned.endsWith(`@${command.digest}`)) throw new CairnError('INVALID_ARGUMENT', `image ${command.pinned} is not pinned to ${command.digest}`);
    const slash = command.pinned.indexOf('/');
    const registry = slash > 0 ? command.pinned.slice(0, slash) : '';
    if (!registryAllowed(this.deps.allow, registry, site)) throw denied(`registry ${registry} is not allowed at site ${site} (CAIRN_REGISTRY_ALLOW)`);
    return command;
  }
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
