import type { Called, ImageProgressMessage, MaterializeImageReply, SiteImageRecord } from '@cairn/contracts';
import { pb } from '@cairn/contracts';
import type { ProgressSource } from './image-progress';
import { type KnownSites, toPbPhase, toPbResolvedImage, toPbSiteImage, toResolveQuery } from './images.mapper';
import type { ImageRequests } from './images.requests';

type Step = { kind: 'ready'; reply: MaterializeImageReply } | { kind: 'progress'; result: IteratorResult<ImageProgressMessage> } | { kind: 'aborted' };

const never = new Promise<never>(() => undefined);

function whenAborted(signal: AbortSignal): Promise<Step> {
  if (signal.aborted) return Promise.resolve({ kind: 'aborted' });
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve({ kind: 'aborted' }), { once: true }));
}

/**
 * MaterializeImage: resolve (RESOLVING, with the pinned image), subscribe to the site's
 * progress for the digest BEFORE asking the images service to materialise (so nothing
 * published in between is missed), stream each phase, and end READY with the site's entry
 * (its run ids as the caller may see them: read back from images.list with the caller). A
 * cancelled call stops waiting and unsubscribes; the conversion itself goes on for whoever
 * else needs it. A failure ends the stream with the images service's error.
 */
export async function* materializeImage(
  images: ImageRequests,
  progress: ProgressSource,
  request: pb.MaterializeImageRequest,
  known: KnownSites,
  signal: AbortSignal,
  who: Called,
): AsyncGenerator<pb.MaterializeImageResponse> {
  const { reference, site } = toResolveQuery(request, known);
  const resolved = await images.resolve({ reference, site });
  const image = toPbResolvedImage(resolved);
  const frame = (phase: pb.MaterializePhase, bytesDone = 0, bytesTotal = 0, siteImage?: pb.SiteImage): pb.MaterializeImageResponse => ({ phase, image, site, bytesDone, bytesTotal, siteImage });
  yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_RESOLVING, 0, resolved.size ?? 0);
  if (signal.aborted) return;

  const feed = progress.subscribe(site, resolved.digest);
  try {
    const iterator = feed[Symbol.asyncIterator]();
    const ready: Promise<Step> = images.materialize({ site, image: resolved }).then((reply) => ({ kind: 'ready', reply }));
    // Settled even when nobody waits for it any more (a cancelled call).
    ready.catch(() => undefined);
    const aborted = whenAborted(signal);
    let next: Promise<Step> = iterator.next().then((result) => ({ kind: 'progress', result }));
    for (;;) {
      const step = await Promise.race([ready, next, aborted]);
      if (step.kind === 'aborted') return;
      if (step.kind === 'ready') {
        yield frame(pb.MaterializePhase.MATERIALIZE_PHASE_READY, step.reply.image.size, step.reply.image.size, toPbSiteImage(await asCallerSees(images, step.reply, who)));
        return;
      }
      if (step.result.done) {
        next = never;
        continue;
      }
      const message = step.result.value;
      const phase = toPbPhase(message.phase);
      if (phase !== undefined) yield frame(phase, message.bytesDone, message.bytesTotal);
      next = iterator.next().then((result) => ({ kind: 'progress', result }));
    }
  } finally {
    feed.close();
  }
}

/** The entry as the caller may see it: run ids from images.list (filtered for the caller), none if the list does not answer. */
async function asCallerSees(images: ImageRequests, reply: MaterializeImageReply, who: Called): Promise<SiteImageRecord> {
  try {
    const listed = await images.list({ site: reply.site, ...who });
    const entry = listed.images.find((candidate) => candidate.digest === reply.image.digest);
    return { ...reply.image, runIds: entry ? entry.runIds : [], inUse: entry ? entry.inUse : reply.image.inUse };
  } catch {
    return { ...reply.image, runIds: [] };
  }
}
