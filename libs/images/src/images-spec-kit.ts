import { type AgentImageList, CairnError, type Platform, type Principal, type RunInfo, type SiteImageRecord } from '@cairn/contracts';
import type { ImageRef, ManifestFacts, ManifestSource } from './registry-port';
import type { DigestKey, ResolutionStore, TagAnswer, TagKey } from './resolution-store';

/** Test doubles and a small world for the images specs (the integration spec uses the real parts). */

export const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
export const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
export const hex = (n: number): string => n.toString(16).padStart(64, '0');
export const digestOf = (n: number): string => `sha256:${hex(n)}`;
export const runIdOf = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** The facts a registry would give for digest number `n`. */
export function factsOf(n: number, platform: Platform = AMD64, indexDigest?: string): ManifestFacts {
  return {
    digest: digestOf(n),
    ...(indexDigest ? { indexDigest } : {}),
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    size: 1234,
    configDigest: digestOf(n + 1_000_000),
    platform,
    layers: [
      { digest: digestOf(n + 2_000_000), size: 1000, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
      { digest: digestOf(n + 3_000_000), size: 234, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' },
    ],
  };
}

/** The resolution store in memory, optionally failing every call. */
export class MemoryStore implements ResolutionStore {
  readonly tags = new Map<string, TagAnswer>();
  readonly digests = new Map<string, ManifestFacts>();
  failing = false;

  async getTag(key: TagKey): Promise<TagAnswer | undefined> {
    this.check();
    return this.tags.get(JSON.stringify(key));
  }
  async putTag(key: TagKey, answer: TagAnswer): Promise<void> {
    this.check();
    this.tags.set(JSON.stringify(key), answer);
  }
  async getDigest(key: DigestKey): Promise<ManifestFacts | undefined> {
    this.check();
    return this.digests.get(JSON.stringify(key));
  }
  async putDigest(key: DigestKey, facts: ManifestFacts): Promise<void> {
    this.check();
    if (!this.digests.has(JSON.stringify(key))) this.digests.set(JSON.stringify(key), facts);
  }
  private check(): void {
    if (this.failing) throw new Error('database down');
  }
}

/** A registry that answers from a table of tags, counting requests; `gate` holds answers until released. */
export class CountingRegistry implements ManifestSource {
  readonly calls: { ref: ImageRef; platform: Platform }[] = [];
  tags = new Map<string, ManifestFacts>();
  private release: (() => void) | undefined;
  private gate: Promise<void> | undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release?.();
    this.gate = undefined;
  }

  async resolve(ref: ImageRef, platform: Platform): Promise<ManifestFacts> {
    this.calls.push({ ref, platform });
    if (this.gate) await this.gate;
    const byTag = ref.tag && !ref.digest ? this.tags.get(`${ref.registry}/${ref.repository}:${ref.tag}`) : undefined;
    const byDigest = ref.digest ? [...this.tags.values()].find((facts) => facts.digest === ref.digest || facts.indexDigest === ref.digest) : undefined;
    const facts = byTag ?? byDigest;
    if (!facts) throw new CairnError('NOT_FOUND', `no ${ref.canonical}`);
    return facts;
  }
}

export const person = (subject: string, extra: Partial<Principal> = {}): Principal => ({
  issuer: 'http://127.0.0.1:5556',
  subject,
  name: subject,
  posixUser: subject,
  accounts: [`${subject}-lab`],
  roles: ['user'],
  projects: [],
  ...extra,
});
export const ALICE = person('alice');
export const BOB = person('bob', { roles: ['user', 'member'], projects: ['alice-lab'] });
export const CAROL = person('carol');
export const ADMIN = person('root', { roles: ['user', 'admin'] });

export const runOf = (n: number, owner: Principal, live: boolean): RunInfo => ({
  runId: runIdOf(n),
  kind: 'job',
  live,
  owner: { issuer: owner.issuer, subject: owner.subject, name: owner.name, posixUser: owner.posixUser },
  account: owner.accounts[0] ?? 'none',
});

export function imageOf(n: number, lastUsedSecond: number, extra: Partial<SiteImageRecord> = {}): SiteImageRecord {
  return {
    digest: digestOf(n),
    pinned: `127.0.0.1:5000/lab/img${n}@${digestOf(n)}`,
    size: 1000,
    runtime: 'charliecloud',
    materializedAt: new Date(Date.UTC(2026, 11, 1, 0, 0, 0)).toISOString(),
    lastUsed: new Date(Date.UTC(2026, 11, 1, 0, 0, lastUsedSecond)).toISOString(),
    runIds: [],
    inUse: false,
    conversions: 1,
    ...extra,
  };
}

export const catalogueOf = (images: SiteImageRecord[], platform: Platform = AMD64): AgentImageList => ({
  runtime: 'charliecloud',
  platform,
  usedBytes: images.reduce((sum, image) => sum + image.size, 0),
  images,
  converting: [],
});
