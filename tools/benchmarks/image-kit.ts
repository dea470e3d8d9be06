/**
 * What the images benchmark (images.ts) needs besides the bench-kit: new images in the dev
 * registry at the cost of two small uploads (a copy of an image whose config carries a
 * unique label, so a new tag *and* a new digest, its layers shared), a bare manifest GET
 * (one registry round trip, the floor of any resolution), the by-hand materialisation the
 * agent's is measured against (`skopeo copy` + `umoci unpack --rootless` + `mksquashfs`,
 * argument vectors, the same flags), and the gateway's ImageService over gRPC.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { callMetadata } from '@cairn/client';
import { pb } from '@cairn/contracts';
import { now, run } from './bench-kit';

const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'];

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}
interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function http(url: string, init: RequestInit, expect: number[]): Promise<Response> {
  const response = await fetch(url, init);
  if (!expect.includes(response.status)) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

/** One image of a plain-HTTP registry (host:port/repository:tag), as its manifest, config and content type. */
export async function readImage(registry: string, repository: string, tag: string): Promise<{ manifest: ImageManifest; mediaType: string; config: Buffer }> {
  const base = `http://${registry}/v2/${repository}`;
  const response = await http(`${base}/manifests/${tag}`, { headers: { accept: MANIFEST_TYPES.join(', ') } }, [200]);
  const mediaType = response.headers.get('content-type') ?? 'application/vnd.oci.image.manifest.v1+json';
  const manifest = (await response.json()) as ImageManifest;
  if (!Array.isArray(manifest.layers)) throw new Error(`${registry}/${repository}:${tag} is not an image manifest (an index?)`);
  const config = Buffer.from(await (await http(`${base}/blobs/${manifest.config.digest}`, {}, [200])).arrayBuffer());
  return { manifest, mediaType, config };
}

export interface Variant {
  /** host:port/repository:tag */
  reference: string;
  /** host:port/repository@sha256:… */
  pinned: string;
  digest: string;
}

/**
 * Pushes a copy of `base` under `repository:tag` whose config carries the label
 * `cairn.bench=<marker>`: a new manifest digest; the layers are mounted from the base's
 * repository, so only the config and the manifest are uploaded.
 */
export async function pushVariant(registry: string, base: Awaited<ReturnType<typeof readImage>> & { repository: string }, repository: string, tag: string): Promise<Variant> {
  const config = JSON.parse(base.config.toString('utf8')) as { config?: { Labels?: Record<string, string> } };
  config.config = { ...config.config, Labels: { ...config.config?.Labels, 'cairn.bench': randomBytes(8).toString('hex') } };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configDigest = sha256(configBytes);
  const v2 = `http://${registry}/v2`;
  for (const layer of base.manifest.layers) {
    if (repository === base.repository) break;
    await http(`${v2}/${repository}/blobs/uploads/?mount=${layer.digest}&from=${base.repository}`, { method: 'POST' }, [201, 202]);
  }
  const upload = await http(`${v2}/${repository}/blobs/uploads/`, { method: 'POST' }, [202]);
  const location = new URL(upload.headers.get('location') ?? '', `http://${registry}`);
  location.searchParams.set('digest', configDigest);
  await http(location.toString(), { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: configBytes }, [201]);
  const manifest: ImageManifest = { ...base.manifest, config: { ...base.manifest.config, digest: configDigest, size: configBytes.length } };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  await http(`${v2}/${repository}/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': base.mediaType }, body: manifestBytes }, [201]);
  const digest = sha256(manifestBytes);
  return { reference: `${registry}/${repository}:${tag}`, pinned: `${registry}/${repository}@${digest}`, digest };
}

/** One manifest GET of a tag (what any resolution must at least ask the registry): ms. */
export async function bareManifestGet(registry: string, repository: string, tag: string): Promise<number> {
  const t = now();
  const response = await http(`http://${registry}/v2/${repository}/manifests/${tag}`, { headers: { accept: MANIFEST_TYPES.join(', ') } }, [200]);
  await response.arrayBuffer();
  return now() - t;
}

export interface ByHand {
  /** ms of each step and in all */
  copyMs: number;
  unpackMs: number;
  squashMs: number;
  totalMs: number;
  /** bytes of the SquashFS file */
  bytes: number;
}

/**
 * What an administrator would type, with the agent's flags (argument vectors, no shell):
 * `skopeo copy --preserve-digests --src-tls-verify=false docker://<pinned> oci:<dir>/layout:img`,
 * `umoci unpack --rootless --image <dir>/layout:img <dir>/bundle`,
 * `mksquashfs <dir>/bundle/rootfs <dir>/image.sqfs -noappend -quiet -no-progress`.
 */
export async function materializeByHand(pinned: string, insecure: boolean, paths: { skopeo: string; umoci: string; mksquashfs: string }): Promise<ByHand> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-byhand-'));
  try {
    const t0 = now();
    await run(paths.skopeo, ['copy', '--preserve-digests', '--quiet', ...(insecure ? ['--src-tls-verify=false'] : []), `docker://${pinned}`, `oci:${dir}/layout:img`]);
    const t1 = now();
    await run(paths.umoci, ['unpack', '--rootless', '--image', `${dir}/layout:img`, `${dir}/bundle`]);
    const t2 = now();
    await run(paths.mksquashfs, [`${dir}/bundle/rootfs`, `${dir}/image.sqfs`, '-noappend', '-quiet', '-no-progress']);
    const t3 = now();
    return { copyMs: t1 - t0, unpackMs: t2 - t1, squashMs: t3 - t2, totalMs: t3 - t0, bytes: statSync(`${dir}/image.sqfs`).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The gateway's ImageService for one person (the generated client, TLS with the stack's CA, their token). */
export class ImageServiceCaller {
  private readonly client: pb.ImageServiceClient;

  constructor(
    address: string,
    ca: Buffer,
    private readonly token: string,
  ) {
    this.client = new pb.ImageServiceClient(address, credentials.createSsl(ca));
  }

  async resolve(reference: string, site: string): Promise<pb.ResolveImageResponse> {
    const metadata = await callMetadata(this.token);
    return new Promise((resolve, reject) => {
      this.client.resolveImage({ reference, site }, metadata, { deadline: Date.now() + 60_000 }, (error: ServiceError | null, response?: pb.ResolveImageResponse) =>
        error || !response ? reject(error ?? new Error('ResolveImage: no response')) : resolve(response),
      );
    });
  }

  /** MaterializeImage to its end: the last message (phase READY with the site's entry), and how many messages came. */
  async materialize(reference: string, site: string): Promise<{ last: pb.MaterializeImageResponse; messages: number }> {
    const metadata = await callMetadata(this.token);
    const stream = this.client.materializeImage({ reference, site }, metadata, { deadline: Date.now() + 1_800_000 });
    let last: pb.MaterializeImageResponse | undefined;
    let messages = 0;
    for await (const message of stream as AsyncIterable<pb.MaterializeImageResponse>) {
      last = message;
      messages += 1;
    }
    if (!last || last.phase !== pb.MaterializePhase.MATERIALIZE_PHASE_READY) throw new Error(`MaterializeImage ${reference}: ended in phase ${last ? pb.MaterializePhase[last.phase] : 'none'}`);
    return { last, messages };
  }

  async list(site: string): Promise<pb.ListImagesResponse> {
    const metadata = await callMetadata(this.token);
    return new Promise((resolve, reject) => {
      this.client.listImages({ site }, metadata, { deadline: Date.now() + 60_000 }, (error: ServiceError | null, response?: pb.ListImagesResponse) =>
        error || !response ? reject(error ?? new Error('ListImages: no response')) : resolve(response),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
