import type { ManifestFacts } from '@cairn/adapters/oci-registry';
import type { ImageReference, Platform } from '@cairn/contracts';

export type { ManifestFacts };
/** A reference split into its parts (parseImageReference in @cairn/contracts). */
export type ImageRef = ImageReference;

/** The registry, as the images service uses it (RegistryClient in @cairn/adapters/oci-registry). */
export interface ManifestSource {
  resolve(ref: ImageRef, platform: Platform): Promise<ManifestFacts>;
}

/** "linux/amd64", "linux/arm64/v8": a platform as one key. */
export { platformText as platformKey } from '@cairn/adapters/oci-registry';
