import { pb, type Principal, RPC } from '@cairn/contracts';
import { type Door, type GrpcBinding, type GrpcHandlers, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { evictImage } from './image-eviction';
import type { ProgressSource } from './image-progress';
import { type KnownSites, toPbListImages, toPbResolvedImage, toResolveQuery, toSite } from './images.mapper';
import type { ImageRequests } from './images.requests';
import { materializeImage } from './materialize-stream';

/**
 * Binds cairn.v1.ImageService through the one door: check and translate, ask the images
 * service (subjects.images), translate back. Resolve, materialise and list are for everyone
 * signed in (the list names only the runs the caller may see: the images service applies the
 * access policy to `caller`); evicting is for admins (see evictImage).
 */
export class ImagesGrpcController {
  private readonly handlers: GrpcHandlers;

  constructor(
    private readonly images: ImageRequests,
    private readonly progress: ProgressSource,
    private readonly known: KnownSites,
    private readonly logger: Logger,
    watchLimiter: WatchLimiter,
    private readonly door: Door,
  ) {
    this.handlers = grpcHandlers(logger, watchLimiter, door);
  }

  binding(): GrpcBinding {
    const implementation: pb.ImageServiceServer = {
      resolveImage: this.handlers.unary(async (request: pb.ResolveImageRequest): Promise<pb.ResolveImageResponse> => {
        const query = toResolveQuery(request, this.known);
        return { image: toPbResolvedImage(await this.images.resolve(query)), site: query.site };
      }),
      // A stream like the watches: it takes a slot of the same caps while it runs.
      materializeImage: this.handlers.watch((request: pb.MaterializeImageRequest, signal, caller: Principal, peer: string) =>
        materializeImage(this.images, this.progress, request, this.known, signal, { caller, peer, rpc: RPC.materializeImage }),
      ),
      listImages: this.handlers.unary(async (request: pb.ListImagesRequest, caller: Principal, peer: string): Promise<pb.ListImagesResponse> =>
        toPbListImages(await this.images.list({ site: toSite(request.site, this.known), caller, peer, rpc: RPC.listImages })),
      ),
      evictImage: this.handlers.unary((request: pb.EvictImageRequest, caller: Principal, peer: string): Promise<pb.EvictImageResponse> =>
        evictImage(this.images, this.door.audit, this.logger, request, this.known, { caller, peer }),
      ),
    };
    return { name: 'cairn.v1.ImageService', definition: pb.ImageServiceService, implementation };
  }
}
