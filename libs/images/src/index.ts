export { ImagesModule, openImagesDatabase, ImagesDatabaseCloser } from './images.module';
export type { ImagesModuleOptions } from './images.module';
export { imagesService } from './images-service';
export { imagesSettings } from './images-settings';
export { imagesMigrations } from './migrations';
export { IMAGES_SCHEMA } from './images.tables';
export type { ImagesDb } from './images.tables';
export { ImageResolver } from './image-resolver';
export type { ManifestFacts, ManifestSource, ImageRef } from './registry-port';
