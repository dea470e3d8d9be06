/** The gateway's ImageService: ResolveImage, MaterializeImage, ListImages and EvictImage over gRPC, through the one door (docs/images.md). */
export { imagesBinding } from './images-binding';
export type { ImagesApiOptions } from './images-binding';
