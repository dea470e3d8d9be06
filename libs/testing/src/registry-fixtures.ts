import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, promises as fs, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { tarArchive } from './oci-tar';
import { testEnv } from './test-env';
import { testCacheDir } from './test-temp';

const run = promisify(execFile);

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const SKOPEO_TIMEOUT_MS = 120_000;
/** The marker file each fresh image adds (a new content, so a new digest, every push). */
export const FRESH_IMAGE_MARKER = 'cairn-fixture-marker';

const REGISTRY = /^[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?$/;
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:([0-9a-f]{64})$/;

export interface PushFreshImageOptions {
  /** `host:port`, e.g. testEnv().registry, basicRegistry or tokenRegistry. */
  registry: string;
  repository: string;
  tag: string;
  /** containers-auth.json for the registry (testEnv().registryAuthFile for the auth registries). */
  authFile?: string;
  /** Verify the registry's TLS certificate (the dev registries speak plain HTTP: default false). */
  tlsVerify?: boolean;
}

export interface FreshImage {
  /** The manifest's digest, as the registry has it. */
  digest: string;
  /** `registry/repository:tag` (the tag now points at this image). */
  reference: string;
  /** `registry/repository@digest`. */
  pinned: string;
  /** Blobs only this image has (safe to tamper with): its config and its marker layer. */
  configDigest: string;
  markerLayerDigest: string;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

interface BaseImage {
  layout: string;
  layers: Descriptor[];
  config: Record<string, unknown> & { rootfs: { type: string; diff_ids: string[] }; history?: unknown[] };
}

const sha256 = (data: Buffer | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;
const blobPath = (layout: string, digest: string) => join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length));

function check(name: string, value: string, pattern: RegExp, want: string): void {
  if (!pattern.test(value)) throw new Error(`pushFreshImage: ${name} ${JSON.stringify(value.slice(0, 100))} is not ${want}`);
}

async function skopeo(args: string[]): Promise<void> {
  try {
    await run('skopeo', args, { timeout: SKOPEO_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`skopeo ${args[0] ?? ''} failed: ${stderr.trim().split('\n').slice(-3).join(' / ') || String(error)}`);
  }
}

let base: Promise<BaseImage> | undefined;

/**
 * The base image (the dev cluster's busybox, testEnv().testImage) as an OCI layout, copied
 * once per machine into the temp dir (keyed by the reference) and read once per process.
 */
function baseImage(): Promise<BaseImage> {
  base ??= (async () => {
    const image = testEnv().testImage;
    const root = join(testCacheDir(), 'cairn-registry-fixtures');
    const layout = join(root, `base-${sha256(image).slice(7, 23)}`);
    if (!existsSync(join(layout, 'index.json'))) {
      await fs.mkdir(root, { recursive: true });
      const scratch = await fs.mkdtemp(join(root, 'base-'));
      await skopeo(['copy', '--src-tls-verify=false', `docker://${image}`, `oci:${scratch}:base`]);
      // Another worker may have made it meanwhile: keep theirs.
      await fs.rename(scratch, layout).catch(() => fs.rm(scratch, { recursive: true, force: true }));
    }
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: (Descriptor & { annotations?: Record<string, string> })[] };
    const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'base');
    if (!entry) throw new Error(`pushFreshImage: ${layout} has no image tagged base; remove it and try again`);
    const manifest = JSON.parse(readFileSync(blobPath(layout, entry.digest), 'utf8')) as { config: Descriptor; layers: Descriptor[] };
    const config = JSON.parse(readFileSync(blobPath(layout, manifest.config.digest), 'utf8')) as BaseImage['config'];
    return { layout, layers: manifest.layers, config };
  })();
  void base.catch(() => (base = undefined));
  return base;
}

async function writeBlob(layout: string, data: Buffer | string): Promise<{ digest: string; size: number }> {
  const digest = sha256(data);
  await fs.writeFile(blobPath(layout, digest), data);
  return { digest, size: Buffer.byteLength(data) };
}

/**
 * Pushes a busybox image with one more layer holding a unique marker file
 * (/cairn-fixture-marker), so every call makes a new digest; pushing again to the same tag
 * moves the tag. Through skopeo (an argument vector, no shell).
 */
export async function pushFreshImage(options: PushFreshImageOptions): Promise<FreshImage> {
  check('registry', options.registry, REGISTRY, 'host[:port]');
  check('repository', options.repository, REPOSITORY, 'a repository name (lowercase components separated by /)');
  check('tag', options.tag, TAG, 'a tag (1 to 128 of A-Z a-z 0-9 _ . -, not starting with . or -)');
  const image = await baseImage();
  const work = await fs.mkdtemp(join(tmpdir(), 'cairn-fresh-image-'));
  try {
    const layout = join(work, 'layout');
    await fs.mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
    await fs.writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    for (const layer of image.layers) {
      const from = blobPath(image.layout, layer.digest);
      await fs.link(from, blobPath(layout, layer.digest)).catch(() => fs.copyFile(from, blobPath(layout, layer.digest)));
    }
    const created = new Date().toISOString();
    const tar = tarArchive([{ name: FRESH_IMAGE_MARKER, content: Buffer.from(`${randomUUID()} ${created}\n`) }]);
    const layer = await writeBlob(layout, gzipSync(tar));
    const config = {
      ...image.config,
      created,
      rootfs: { type: 'layers', diff_ids: [...image.config.rootfs.diff_ids, sha256(tar)] },
      ...(image.config.history ? { history: [...image.config.history, { created, created_by: 'cairn fixture: marker file' }] } : {}),
    };
    const configBlob = await writeBlob(layout, JSON.stringify(config));
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: OCI_CONFIG, digest: configBlob.digest, size: configBlob.size },
      layers: [...image.layers, { mediaType: OCI_LAYER, digest: layer.digest, size: layer.size }],
    });
    const manifestBlob = await writeBlob(layout, manifest);
    await fs.writeFile(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: OCI_MANIFEST, digest: manifestBlob.digest, size: manifestBlob.size, annotations: { 'org.opencontainers.image.ref.name': 'fresh' } }],
      }),
    );
    const reference = `${options.registry}/${options.repository}:${options.tag}`;
    const digestFile = join(work, 'digest');
    await skopeo([
      'copy',
      `--dest-tls-verify=${options.tlsVerify ?? false}`,
      ...(options.authFile ? ['--dest-authfile', options.authFile] : []),
      '--preserve-digests',
      '--digestfile',
      digestFile,
      `oci:${layout}:fresh`,
      `docker://${reference}`,
    ]);
    const digest = readFileSync(digestFile, 'utf8').trim();
    if (digest !== manifestBlob.digest) throw new Error(`pushFreshImage: pushed ${manifestBlob.digest} but the registry reports ${digest}`);
    return { digest, reference, pinned: `${options.registry}/${options.repository}@${digest}`, configDigest: configBlob.digest, markerLayerDigest: layer.digest };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Where distribution's filesystem storage keeps a blob's bytes. */
export function registryBlobPath(registryDataDir: string, blobDigest: string): string {
  const hex = DIGEST.exec(blobDigest)?.[1];
  if (!hex) throw new Error(`tamperBlob: ${JSON.stringify(blobDigest.slice(0, 80))} is not a sha256:<64 hex> digest`);
  return join(registryDataDir, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

/**
 * Rewrites a blob's bytes in the registry's storage (same size, one byte in the middle
 * flipped) so they no longer match its digest; returns the function that puts them back.
 * Tamper only blobs no other test shares (a FreshImage's configDigest or markerLayerDigest):
 * blobs are stored once per digest for every repository.
 */
export function tamperBlob(registryDataDir: string, blobDigest: string): () => void {
  const path = registryBlobPath(registryDataDir, blobDigest);
  if (!existsSync(path)) throw new Error(`tamperBlob: the registry under ${registryDataDir} has no blob ${blobDigest} (${path})`);
  const original = readFileSync(path);
  if (original.length === 0) throw new Error(`tamperBlob: ${blobDigest} is empty; nothing to change`);
  const tampered = Buffer.from(original);
  const at = Math.floor(tampered.length / 2);
  tampered[at] = (tampered[at] ?? 0) ^ 0xff;
  writeFileSync(path, tampered);
  return () => writeFileSync(path, original);
}
