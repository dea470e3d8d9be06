import type { NatsRequester } from '@cairn/adapters/nats';
import {
  type Called,
  evictImageReply,
  listImagesReply,
  type ListImagesReply,
  materializeImageReply,
  type MaterializeImageReply,
  type MaterializeImageRequest,
  type ResolvedImage,
  resolvedImageSchema,
  type ResolveImageQuery,
  subjects,
} from '@cairn/contracts';

/** How long the gateway waits for the images service, in ms (a materialisation pulls and converts a whole image). */
export const imageTimeouts = { resolve: 60_000, list: 30_000, evict: 60_000, materialize: 30 * 60_000 } as const;

/** The images service's requests the gateway makes (subjects.images), as a typed client over NATS. */
export interface ImageRequests {
  resolve(query: ResolveImageQuery): Promise<ResolvedImage>;
  materialize(request: MaterializeImageRequest): Promise<MaterializeImageReply>;
  list(query: { site: string } & Called): Promise<ListImagesReply>;
  evict(command: { site: string; digest: string } & Called): Promise<{ freedBytes: number }>;
}

export class NatsImageRequests implements ImageRequests {
  constructor(private readonly requester: Pick<NatsRequester, 'request'>) {}

  resolve(query: ResolveImageQuery): Promise<ResolvedImage> {
    return this.requester.request(subjects.images.resolve, query, resolvedImageSchema, imageTimeouts.resolve);
  }

  materialize(request: MaterializeImageRequest): Promise<MaterializeImageReply> {
    return this.requester.request(subjects.images.materialize, request, materializeImageReply, imageTimeouts.materialize);
  }

  list(query: { site: string } & Called): Promise<ListImagesReply> {
    return this.requester.request(subjects.images.list, query, listImagesReply, imageTimeouts.list);
  }

  evict(command: { site: string; digest: string } & Called): Promise<{ freedBytes: number }> {
    return this.requester.request(subjects.images.evict, command, evictImageReply, imageTimeouts.evict);
  }
}
