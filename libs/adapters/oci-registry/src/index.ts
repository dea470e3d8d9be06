export { OciRegistryRepository } from './oci-registry.repository';
export type { OciRegistryOptions, PinnedImage } from './oci-registry.repository';
export { parseReference } from './image-reference';
export type { ParsedReference } from './image-reference';
