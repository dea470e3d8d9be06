import { parseImageReference, pinnedImageReference, type Platform } from '@cairn/contracts';
import { hostPlatform } from './platform';
import { RegistryClient } from './registry-client';
import type { RegistryCredentials } from './registry-credentials';

export interface OciRegistryOptions {
  /** Registry host[:port] for references without one. */
  defaultRegistry: string;
  /** Hosts reached over plain HTTP. */
  insecureRegistries: readonly string[];
  timeoutMs?: number;
  credentials?: RegistryCredentials;
  /** Platform an image index resolves to (default: this host's). */
  platform?: Platform;
}

export interface PinnedImage {
  reference: string;
  /** registry/repository@sha256:... */
  pinned: string;
  digest: string;
}

/**
 * @deprecated The pre-issue-12 shape, kept for callers not yet on RegistryClient: a
 * reference → its pinned digest for one platform (RegistryClient.resolve underneath).
 */
export class OciRegistryRepository {
  private readonly client: RegistryClient;
  constructor(private readonly options: OciRegistryOptions) {
    this.client = new RegistryClient({ insecureRegistries: options.insecureRegistries, credentials: options.credentials, timeoutMs: options.timeoutMs });
  }

  async resolve(reference: string): Promise<PinnedImage> {
    const ref = parseImageReference(reference, { unqualifiedRegistry: this.options.defaultRegistry });
    const facts = await this.client.resolve(ref, this.options.platform ?? hostPlatform());
    return { reference, pinned: pinnedImageReference(ref, facts.digest), digest: facts.digest };
  }
}
