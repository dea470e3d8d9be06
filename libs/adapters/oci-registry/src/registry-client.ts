import { createHash } from 'node:crypto';
import { CairnError, DOCKER_HUB, parseImageReference, type ImageReference, type Platform } from '@cairn/contracts';
import {
  configSchema,
  CONFIG_TYPES,
  type Descriptor,
  INDEX_TYPES,
  indexSchema,
  MANIFEST_ACCEPT,
  MANIFEST_TYPES,
  manifestSchema,
  MEDIA_TYPES,
} from './manifest-schemas';
import { platformMatches, platformText, selectPlatform } from './platform';
import { RegistryCredentials } from './registry-credentials';
import { type RegistryAnswer, type RegistryTarget, RegistryTransport } from './registry-transport';

/** Largest manifest or image index read. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Largest image config read. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
export const DEFAULT_REGISTRY_TIMEOUT_MS = 10_000;

export interface LayerFact {
  digest: string;
  size: number;
  mediaType: string;
}

/** What a reference resolves to for one platform. */
export interface ManifestFacts {
  /** sha256 of the platform's image manifest: what jobs run (registry/repository@digest). */
  digest: string;
  /** The image index (manifest list) the manifest was chosen from, if the reference named one. */
  indexDigest?: string;
  /** The manifest's media type (OCI or Docker schema 2). */
  mediaType: string;
  /** Bytes of the config and every layer (compressed, as pulled). */
  size: number;
  configDigest: string;
  /** The image's platform, from its config (or the index entry). */
  platform: Platform;
  layers: LayerFact[];
}

export interface RegistryClientOptions {
  /** host[:port] of registries spoken to over plain HTTP (never HTTPS). */
  insecureRegistries?: readonly string[];
  credentials?: RegistryCredentials;
  /** Bound on one resolution, every request included (default 10 s). */
  timeoutMs?: number;
  /** Registry of references that name none, when `resolve` gets text (default docker.io). */
  unqualifiedRegistry?: string;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * The OCI distribution API, read only: a reference → its platform's manifest facts. GETs the
 * manifest with every Accept type, checks its sha256 against the registry's
 * Docker-Content-Digest and the digest asked for, follows an image index to the platform's
 * manifest, reads the config for the platform; auth challenges in RegistryTransport.
 * Errors: NOT_FOUND (repository, tag, digest, platform), PERMISSION_DENIED (401/403),
 * UNAVAILABLE (down, timeout, 5xx; naming the registry), FAILED_PRECONDITION (content that
 * does not match its digest, not an image), RESOURCE_EXHAUSTED (over a size limit).
 */
export class RegistryClient {
  private readonly transport: RegistryTransport;
  private readonly timeoutMs: number;
  private readonly unqualifiedRegistry: string;

  constructor(options: RegistryClientOptions = {}, now: () => number = Date.now) {
    this.transport = new RegistryTransport(new Set(options.insecureRegistries ?? []), options.credentials ?? RegistryCredentials.none, now);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
    this.unqualifiedRegistry = options.unqualifiedRegistry ?? DOCKER_HUB;
  }

  async resolve(reference: ImageReference | string, platform: Platform): Promise<ManifestFacts> {
    const ref = typeof reference === 'string' ? parseImageReference(reference, { unqualifiedRegistry: this.unqualifiedRegistry }) : reference;
    const target: RegistryTarget = {
      registry: ref.registry,
      repository: ref.repository,
      signal: AbortSignal.timeout(this.timeoutMs),
      timeoutMs: this.timeoutMs,
    };
    const asked = ref.digest ?? ref.tag ?? 'latest';
    const top = await this.manifest(target, ref, asked);
    if (top.kind === 'index') {
      const entry = selectPlatform(top.index.manifests, platform);
      if (!entry) {
        const offered = top.index.manifests.flatMap((m) => (m.platform ? [platformText(m.platform)] : []));
        throw new CairnError(
          'NOT_FOUND',
          `image ${ref.canonical} has no manifest for platform ${platformText(platform)} (it has ${offered.length ? [...new Set(offered)].join(', ') : 'none named'})`,
        );
      }
      if (!MANIFEST_TYPES.includes(entry.mediaType)) {
        throw new CairnError('FAILED_PRECONDITION', `image ${ref.canonical}: the entry for ${platformText(platform)} is a ${entry.mediaType}, not an image manifest`);
      }
      const chosen = await this.manifest(target, ref, entry.digest, entry);
      if (chosen.kind !== 'manifest') throw new CairnError('FAILED_PRECONDITION', `image ${ref.canonical}: nested image indexes are not supported`);
      return this.facts(target, ref, chosen, platform, top.digest, entry.platform);
    }
    return this.facts(target, ref, top, platform, undefined, undefined);
  }

  /** Forgets cached tokens (e.g. after the credentials changed). */
  clearTokens(): void {
    this.transport.clear();
  }

  private async facts(
    target: RegistryTarget,
    ref: ImageReference,
    manifest: Extract<Fetched, { kind: 'manifest' }>,
    wanted: Platform,
    indexDigest: string | undefined,
    entryPlatform: Platform | undefined,
  ): Promise<ManifestFacts> {
    const { config, layers } = manifest.manifest;
    if (!CONFIG_TYPES.includes(config.mediaType)) {
      throw new CairnError('FAILED_PRECONDITION', `${ref.canonical} is not a container image (its config is ${config.mediaType})`);
    }
    const answer = await this.transport.get(target, `${ref.repository}/blobs/${config.digest}`, `${config.mediaType}, */*`, MAX_CONFIG_BYTES, `image config ${config.digest} of ${ref.canonical}`);
    this.expectOk(answer, ref, `config blob ${config.digest}`);
    const actual = sha256(answer.body);
    if (actual !== config.digest || answer.body.length !== config.size) {
      throw new CairnError('FAILED_PRECONDITION', `registry ${ref.registry} sent a config for ${ref.canonical} whose content does not match its digest ${config.digest} (tampered or corrupt)`);
    }
    const parsed = configSchema.safeParse(jsonOf(answer.body));
    const fromConfig = parsed.success && parsed.data.os && parsed.data.architecture ? { os: parsed.data.os, architecture: parsed.data.architecture, ...(parsed.data.variant ? { variant: parsed.data.variant } : {}) } : undefined;
    const platform = fromConfig ?? entryPlatform ?? wanted;
    if (!indexDigest && !platformMatches(platform, wanted)) {
      throw new CairnError('NOT_FOUND', `image ${ref.canonical} has no manifest for platform ${platformText(wanted)} (it is ${platformText(platform)} only)`);
    }
    return {
      digest: manifest.digest,
      ...(indexDigest ? { indexDigest } : {}),
      mediaType: manifest.mediaType,
      size: config.size + layers.reduce((sum, layer) => sum + layer.size, 0),
      configDigest: config.digest,
      platform: entryPlatform && indexDigest ? pick(entryPlatform) : pick(platform),
      layers: layers.map((l) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType })),
    };
  }

  /** GET one manifest (by tag or digest) and check it against every digest that names it. */
  private async manifest(target: RegistryTarget, ref: ImageReference, asked: string, descriptor?: Descriptor): Promise<Fetched> {
    const answer = await this.transport.get(target, `${ref.repository}/manifests/${asked}`, MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, `manifest ${asked} of ${ref.registry}/${ref.repository}`);
    if (answer.status === 404 && registryErrorCode(answer.body) !== 'NAME_UNKNOWN' && !(await this.repositoryExists(target, ref))) {
      throw new CairnError('NOT_FOUND', `repository ${ref.repository} not found in registry ${ref.registry}`);
    }
    this.expectOk(answer, ref, asked.startsWith('sha256:') ? `digest ${asked}` : `tag "${asked}"`);
    const digest = sha256(answer.body);
    const header = answer.headers.get('docker-content-digest');
    const mismatch = (what: string) =>
      new CairnError('FAILED_PRECONDITION', `registry ${ref.registry} sent a manifest for ${ref.repository}@${asked} whose sha256 is ${digest}, not ${what} (tampered or corrupt)`);
    if (header && header.startsWith('sha256:') && header !== digest) throw mismatch(`the ${header} it announced`);
    if (asked.startsWith('sha256:') && asked !== digest) throw mismatch(`the digest asked for`);
    if (descriptor && descriptor.size !== answer.body.length) throw mismatch(`${descriptor.size} bytes as its index says`);
    const document = jsonOf(answer.body);
    const declared = (typeof document === 'object' && document && 'mediaType' in document && typeof document.mediaType === 'string' ? document.mediaType : undefined) ?? contentType(answer.headers);
    const schemaVersion = typeof document === 'object' && document && 'schemaVersion' in document ? document.schemaVersion : undefined;
    if (schemaVersion === 1) {
      throw new CairnError('FAILED_PRECONDITION', `image ${ref.canonical} has a Docker schema 1 manifest, which Cairn does not support (push it again with a current tool)`);
    }
    const isIndex = declared ? INDEX_TYPES.includes(declared) : typeof document === 'object' && document !== null && 'manifests' in document;
    if (isIndex) {
      const index = indexSchema.safeParse(document);
      if (!index.success) throw this.malformed(ref, asked, 'image index');
      return { kind: 'index', digest, index: index.data };
    }
    const manifest = manifestSchema.safeParse(document);
    if (!manifest.success) throw this.malformed(ref, asked, 'image manifest');
    const mediaType = declared && MANIFEST_TYPES.includes(declared) ? declared : (descriptor?.mediaType ?? MEDIA_TYPES.ociManifest);
    return { kind: 'manifest', digest, mediaType, manifest: manifest.data };
  }

  /** Whether the registry knows the repository (distribution 2.8 says MANIFEST_UNKNOWN for both a missing tag and a missing repository). */
  private async repositoryExists(target: RegistryTarget, ref: ImageReference): Promise<boolean> {
    const answer = await this.transport.get(target, `${ref.repository}/tags/list?n=1`, 'application/json', MAX_MANIFEST_BYTES, `tags of ${ref.repository}`);
    return !(answer.status === 404 && registryErrorCode(answer.body) === 'NAME_UNKNOWN');
  }

  private expectOk(answer: RegistryAnswer, ref: ImageReference, what: string): void {
    const { status } = answer;
    if (status >= 200 && status < 300) return;
    if (status === 404) {
      const code = registryErrorCode(answer.body);
      if (code === 'NAME_UNKNOWN') throw new CairnError('NOT_FOUND', `repository ${ref.repository} not found in registry ${ref.registry}`);
      throw new CairnError('NOT_FOUND', `${what} not found in repository ${ref.repository} of registry ${ref.registry}`);
    }
    if (status === 401 || status === 403) throw new CairnError('PERMISSION_DENIED', `registry ${ref.registry} refused access to repository ${ref.repository} (${status})`);
    if (status === 429) throw new CairnError('UNAVAILABLE', `registry ${ref.registry} is rate limiting requests (429); try again later`);
    throw new CairnError('UNAVAILABLE', `registry ${ref.registry} answered ${status} for ${what} of ${ref.repository}`);
  }

  private malformed(ref: ImageReference, asked: string, what: string): CairnError {
    return new CairnError('FAILED_PRECONDITION', `registry ${ref.registry} sent a malformed ${what} for ${ref.repository}@${asked}`);
  }
}

type Fetched =
  | { kind: 'index'; digest: string; index: ReturnType<typeof indexSchema.parse> }
  | { kind: 'manifest'; digest: string; mediaType: string; manifest: ReturnType<typeof manifestSchema.parse> };

function pick(platform: Platform): Platform {
  return { os: platform.os, architecture: platform.architecture, ...(platform.variant ? { variant: platform.variant } : {}) };
}

function jsonOf(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function contentType(headers: Headers): string | undefined {
  return headers.get('content-type')?.split(';')[0]?.trim() || undefined;
}

/** The first error code of a registry's error body (`{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`). */
function registryErrorCode(body: Buffer): string | undefined {
  const document = jsonOf(body);
  if (typeof document !== 'object' || document === null || !('errors' in document) || !Array.isArray(document.errors)) return undefined;
  const first: unknown = document.errors[0];
  return typeof first === 'object' && first !== null && 'code' in first && typeof first.code === 'string' ? first.code : undefined;
}
