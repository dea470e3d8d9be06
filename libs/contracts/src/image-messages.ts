import { z } from 'zod';
import { callerFields } from './caller';
import { ownerSchema, slurmAccountName } from './identity';
import { resolvedImageSchema } from './messages';
import { shortText, siteName, uuid } from './validation';

/**
 * Images (docs/images.md, ADR 0015): what the gateway and the scheduler ask the images
 * service (subjects.images), what the images service asks a site's agent
 * (subjects.site(s).image*), and what the scheduler tells the images service about runs
 * (subjects.scheduler.runsInfo). The agent owns its site's catalogue (the files are on its
 * disk); the images service owns resolution, its caches, the allow-list, the quota and the
 * eviction policy; nothing evicts an image a live run needs.
 */

export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
export const imageDigest = z.string().regex(DIGEST_PATTERN, 'must be sha256:<64 hex>');
/** registry/repository@sha256:<hex>. */
export const pinnedReference = z.string().max(512).regex(/^[^\s@]+@sha256:[a-f0-9]{64}$/, 'must be registry/repository@sha256:<64 hex>');

/** An OCI platform. */
export const platformSchema = z
  .object({
    os: z.string().regex(/^[a-z0-9]{1,32}$/),
    architecture: z.string().regex(/^[a-z0-9_]{1,32}$/),
    variant: z.string().regex(/^[a-z0-9]{1,32}$/).optional(),
  })
  .strict();
export type Platform = z.infer<typeof platformSchema>;

/** The runtimes an agent may materialise images for. */
export const IMAGE_RUNTIMES = ['charliecloud', 'apptainer'] as const;

/** Most run ids one catalogue entry keeps (most recent first). */
export const MAX_IMAGE_RUN_IDS = 50;
/** Most images one site's catalogue lists. */
export const MAX_SITE_IMAGES = 1000;

const isoTime = z.string().datetime({ offset: true });

// --- images service (from the gateway and the scheduler) -------------------------------

// `images.resolve` takes resolveImageQuery and answers resolvedImageSchema (messages.ts).

/** `images.materialize`: pin (if needed) and make `site` hold the image; the reply comes when it is ready (or failed). */
export const materializeImageRequest = z
  .object({
    site: siteName,
    image: resolvedImageSchema,
    /** The run (workflow run or job id) it is for, recorded in the site's catalogue. */
    runId: uuid.optional(),
  })
  .strict();
export type MaterializeImageRequest = z.infer<typeof materializeImageRequest>;

/**
 * `images.prewarm` (a core NATS publish from the scheduler when it accepts a run; no
 * reply): start materialising now, so the run's jobs find the image ready or join the
 * conversion under way.
 */
export const prewarmImageMessage = z.object({ site: siteName, image: resolvedImageSchema, runId: uuid }).strict();
export type PrewarmImageMessage = z.infer<typeof prewarmImageMessage>;

/** `images.list`: the site's catalogue, with run ids filtered to those `caller` may see. */
export const listImagesRequest = z.object({ site: siteName, ...callerFields }).strict();
/** `images.evict`: admins only (the gateway checks, the images service checks again). */
export const evictImageRequest = z.object({ site: siteName, digest: imageDigest, ...callerFields }).strict();
export const evictImageReply = z.object({ freedBytes: z.number().int().min(0) }).strict();

// --- a site's agent (from the images service) -------------------------------------------

/** One image a site holds, as its agent's catalogue records it. */
export const siteImageRecord = z
  .object({
    digest: imageDigest,
    pinned: pinnedReference,
    /** Bytes of the runtime's file. */
    size: z.number().int().min(0),
    runtime: z.enum(IMAGE_RUNTIMES),
    materializedAt: isoTime,
    lastUsed: isoTime,
    /** Most recent first, at most MAX_IMAGE_RUN_IDS. */
    runIds: z.array(uuid).max(MAX_IMAGE_RUN_IDS),
    /** An attempt the agent follows (not final) runs it. */
    inUse: z.boolean(),
    /** Conversions of this digest at this site so far (never reset by eviction). */
    conversions: z.number().int().min(0),
  })
  .strict();
export type SiteImageRecord = z.infer<typeof siteImageRecord>;

/** The reply to `images.materialize`: the site's catalogue entry, once the site holds the image. */
export const materializeImageReply = z.object({ site: siteName, image: siteImageRecord }).strict();
export type MaterializeImageReply = z.infer<typeof materializeImageReply>;

/** The reply to `images.list`: the agent's catalogue (run ids filtered for `caller`, live runs marked in use) with the site's quota. */
export const listImagesReply = z
  .object({
    site: siteName,
    runtime: z.enum(IMAGE_RUNTIMES),
    platform: platformSchema,
    quotaBytes: z.number().int().min(0),
    usedBytes: z.number().int().min(0),
    /** Most recently used first. */
    images: z.array(siteImageRecord).max(MAX_SITE_IMAGES),
  })
  .strict();
export type ListImagesReply = z.infer<typeof listImagesReply>;

/** `agent.image-materialize`: convert once per digest; with `wait` the reply comes when it is ready. */
export const agentMaterializeCommand = z
  .object({ pinned: pinnedReference, digest: imageDigest, runId: uuid.optional(), wait: z.boolean() })
  .strict();
export type AgentMaterializeCommand = z.infer<typeof agentMaterializeCommand>;
export const agentMaterializeReply = z
  .object({
    /** ready: `image` is set; converting: a conversion is under way (progress on subjects.site(s).imageProgress). */
    state: z.enum(['ready', 'converting']),
    image: siteImageRecord.optional(),
  })
  .strict();
export type AgentMaterializeReply = z.infer<typeof agentMaterializeReply>;

export const MATERIALIZE_PHASES = ['waiting', 'pulling', 'verifying', 'unpacking', 'converting', 'ready', 'failed'] as const;
/** Published (core NATS) on subjects.site(s).imageProgress(hex) while a conversion runs; `failed` and `ready` end it. */
export const imageProgressMessage = z
  .object({
    digest: imageDigest,
    phase: z.enum(MATERIALIZE_PHASES),
    bytesDone: z.number().int().min(0),
    bytesTotal: z.number().int().min(0),
    /** Why it failed (with `failed`). */
    error: shortText(2000).optional(),
  })
  .strict();
export type ImageProgressMessage = z.infer<typeof imageProgressMessage>;

/** `agent.image-list`. */
export const agentImageListQuery = z.object({}).strict();
export const agentImageListReply = z
  .object({
    runtime: z.enum(IMAGE_RUNTIMES),
    platform: platformSchema,
    usedBytes: z.number().int().min(0),
    images: z.array(siteImageRecord).max(MAX_SITE_IMAGES),
    /** Conversions under way now. */
    converting: z.array(z.object({ digest: imageDigest, pinned: pinnedReference }).strict()).max(MAX_SITE_IMAGES),
  })
  .strict();
export type AgentImageList = z.infer<typeof agentImageListReply>;

/** `agent.image-evict`: refused (FAILED_PRECONDITION) while an attempt it follows runs the image or it is converting. */
export const agentEvictCommand = z.object({ digest: imageDigest }).strict();
export const agentEvictReply = evictImageReply;

// --- the scheduler (from the images service) --------------------------------------------

/** Most run ids one `scheduler.runs.info` query may name. */
export const MAX_RUNS_INFO = 1000;
/** `scheduler.runs.info`: which of these runs (workflow runs or jobs outside any workflow) are live, and whose they are. */
export const runsInfoQuery = z.object({ runIds: z.array(uuid).max(MAX_RUNS_INFO) }).strict();
export const runInfoSchema = z
  .object({
    runId: uuid,
    kind: z.enum(['workflow', 'job']),
    /** Not in a final state. */
    live: z.boolean(),
    owner: ownerSchema,
    account: slurmAccountName.optional(),
  })
  .strict();
export type RunInfo = z.infer<typeof runInfoSchema>;
/** Unknown run ids are left out. */
export const runsInfoReply = z.object({ runs: z.array(runInfoSchema).max(MAX_RUNS_INFO) }).strict();
