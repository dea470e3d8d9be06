import {
  type ImageProgressMessage,
  imageDigest,
  imageReference,
  invalid,
  type ListImagesReply,
  parseOrThrow,
  pb,
  type Platform,
  type ResolvedImage,
  type SiteImageRecord,
  siteName,
} from '@cairn/contracts';

/** Translation between ImageService's protobuf messages and the images service's NATS messages; requests are checked here first. */

/** The sites the gateway serves (CAIRN_SITES with the default site) and the one a request that names none is for. */
export interface KnownSites {
  readonly defaultSite: string;
  readonly sites: readonly string[];
}

/** The site a request names, one the gateway serves, or the default site when it names none. */
export function toSite(site: string, known: KnownSites): string {
  if (site === '') return known.defaultSite;
  const name = parseOrThrow(siteName, site, 'site');
  if (!known.sites.includes(name)) throw invalid(`site: ${name} is not a site of this gateway (its sites: ${known.sites.join(', ')})`);
  return name;
}

/** A reference as a researcher writes it: at most 255 characters, Docker's grammar (the error names the part that is wrong). */
export function toReference(reference: string): string {
  return parseOrThrow(imageReference, reference, 'reference');
}

/** sha256:<64 hex>. */
export function toDigest(digest: string): string {
  return parseOrThrow(imageDigest, digest, 'digest');
}

export function toResolveQuery(request: pb.ResolveImageRequest | pb.MaterializeImageRequest, known: KnownSites): { reference: string; site: string } {
  return { reference: toReference(request.reference), site: toSite(request.site, known) };
}

export function toEvictCommand(request: pb.EvictImageRequest, known: KnownSites): { site: string; digest: string } {
  return { site: toSite(request.site, known), digest: toDigest(request.digest) };
}

export function toPbPlatform(platform: Partial<Platform> | undefined): pb.Platform | undefined {
  if (!platform) return undefined;
  return { os: platform.os ?? '', architecture: platform.architecture ?? '', variant: platform.variant ?? '' };
}

const date = (iso: string | undefined): Date | undefined => (iso === undefined ? undefined : new Date(iso));

export function toPbResolvedImage(image: ResolvedImage): pb.ResolvedImage {
  return {
    reference: image.reference,
    canonical: image.canonical ?? '',
    pinned: image.pinned,
    digest: image.digest,
    indexDigest: image.indexDigest ?? '',
    platform: toPbPlatform(image.platform),
    mediaType: image.mediaType ?? '',
    size: image.size ?? 0,
    resolvedAt: date(image.resolvedAt),
    cached: image.cached ?? false,
  };
}

export function toPbSiteImage(image: SiteImageRecord): pb.SiteImage {
  return {
    digest: image.digest,
    pinned: image.pinned,
    size: image.size,
    runtime: image.runtime,
    materializedAt: date(image.materializedAt),
    lastUsed: date(image.lastUsed),
    runIds: [...image.runIds],
    inUse: image.inUse,
    conversions: image.conversions,
  };
}

export function toPbListImages(reply: ListImagesReply): pb.ListImagesResponse {
  return {
    site: reply.site,
    images: reply.images.map(toPbSiteImage),
    quotaBytes: reply.quotaBytes,
    usedBytes: reply.usedBytes,
    runtime: reply.runtime,
    platform: toPbPlatform(reply.platform),
  };
}

const PHASE: Record<ImageProgressMessage['phase'], pb.MaterializePhase | undefined> = {
  waiting: pb.MaterializePhase.MATERIALIZE_PHASE_WAITING,
  pulling: pb.MaterializePhase.MATERIALIZE_PHASE_PULLING,
  verifying: pb.MaterializePhase.MATERIALIZE_PHASE_VERIFYING,
  unpacking: pb.MaterializePhase.MATERIALIZE_PHASE_UNPACKING,
  converting: pb.MaterializePhase.MATERIALIZE_PHASE_CONVERTING,
  // The stream ends READY with the site's entry, and a failure with the images service's error:
  // both come from its reply, not from progress.
  ready: undefined,
  failed: undefined,
};

/** The public phase of an agent's progress message, or undefined for those the reply reports (ready, failed). */
export function toPbPhase(phase: ImageProgressMessage['phase']): pb.MaterializePhase | undefined {
  return PHASE[phase];
}
