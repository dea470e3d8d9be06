import { pb } from '@cairn/contracts';
import { channelCredentials, channelOptions, type ClientOptions, callMetadata } from './client-options';
import { callUnary, readStream, required, type UnaryMethod } from './gateway-call';

/** How long the client waits for each call, in ms (a materialisation streams progress for as long as it takes). */
const DEADLINES = { resolve: 90_000, list: 60_000, evict: 90_000 } as const;

/** Cairn's TypeScript client for cairn.v1.ImageService: references pinned to digests, and each site's materialised images. */
export class ImagesClient {
  private readonly client: pb.ImageServiceClient;

  constructor(
    address: string,
    private readonly options: ClientOptions = {},
  ) {
    this.client = new pb.ImageServiceClient(address, channelCredentials(options), channelOptions());
  }

  private async call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, deadlineMs: number): Promise<Res> {
    return callUnary(this.client, method, request, deadlineMs, await callMetadata(this.options.token));
  }

  /** The reference pinned to the digest of the manifest for the site's platform (the gateway's default site unless `site`). */
  async resolve(reference: string, site = ''): Promise<{ image: pb.ResolvedImage; site: string }> {
    const reply = await this.call(this.client.resolveImage as UnaryMethod<pb.ResolveImageRequest, pb.ResolveImageResponse>, { reference, site }, DEADLINES.resolve);
    return { image: required(reply.image, 'resolved image'), site: reply.site };
  }

  /**
   * Makes the site hold a verified runnable copy of the image, yielding progress as it
   * comes (RESOLVING first, READY with the site's entry last); leaving the loop or aborting
   * `signal` cancels the call (the conversion goes on at the site for whoever needs it).
   */
  async *materialize(reference: string, site = '', signal?: AbortSignal): AsyncGenerator<pb.MaterializeImageResponse> {
    const request: pb.MaterializeImageRequest = { reference, site };
    yield* readStream<pb.MaterializeImageResponse>(async () => this.client.materializeImage(request, await callMetadata(this.options.token)), signal);
  }

  /** The images the site holds, most recently used first, with its quota (run ids only those the caller may see). */
  list(site = ''): Promise<pb.ListImagesResponse> {
    return this.call(this.client.listImages as UnaryMethod<pb.ListImagesRequest, pb.ListImagesResponse>, { site }, DEADLINES.list);
  }

  /** Removes the site's copy of the image (admins only; never an image a live run needs). */
  evict(digest: string, site = ''): Promise<pb.EvictImageResponse> {
    return this.call(this.client.evictImage as UnaryMethod<pb.EvictImageRequest, pb.EvictImageResponse>, { digest, site }, DEADLINES.evict);
  }

  close(): void {
    this.client.close();
  }
}
