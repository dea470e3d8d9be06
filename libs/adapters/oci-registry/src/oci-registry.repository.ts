import { CairnError } from '@cairn/contracts';
import { parseReference } from './image-reference';

export interface OciRegistryOptions {
  /** Registry host[:port] for references without one. */
  defaultRegistry: string;
  /** Hosts reached over plain HTTP. */
  insecureRegistries: readonly string[];
  timeoutMs?: number;
}

export interface PinnedImage {
  reference: string;
  /** registry/repository@sha256:... */
  pinned: string;
  digest: string;
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** Talks to OCI distribution registries: resolves tags to digests with a manifest HEAD. */
export class OciRegistryRepository {
  constructor(private readonly options: OciRegistryOptions) {}

  async resolve(reference: string): Promise<PinnedImage> {
    const ref = parseReference(reference, this.options.defaultRegistry);
    const scheme = this.options.insecureRegistries.includes(ref.registry) ? 'http' : 'https';
    const url = `${scheme}://${ref.registry}/v2/${ref.repository}/manifests/${ref.digest ?? ref.tag ?? 'latest'}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'HEAD',
        headers: { Accept: MANIFEST_TYPES },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new CairnError('UNAVAILABLE', `registry ${ref.registry} did not answer: ${(error as Error).message}`);
    }
    if (response.status === 404) {
      throw new CairnError('NOT_FOUND', `image "${reference}" not found in registry ${ref.registry}`);
    }
    if (response.status === 401 || response.status === 403) {
      throw new CairnError('PERMISSION_DENIED', `registry ${ref.registry} refused access to "${reference}"`);
    }
    if (!response.ok) {
      throw new CairnError('UNAVAILABLE', `registry ${ref.registry} answered ${response.status} for "${reference}"`);
    }
    const digest = response.headers.get('docker-content-digest') ?? '';
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
      throw new CairnError('UNAVAILABLE', `registry ${ref.registry} sent no usable digest for "${reference}"`);
    }
    if (ref.digest && ref.digest !== digest) {
      throw new CairnError('INVALID_ARGUMENT', `image "${reference}" has digest ${digest}, not the one given`);
    }
    return { reference, pinned: `${ref.registry}/${ref.repository}@${digest}`, digest };
  }
}
