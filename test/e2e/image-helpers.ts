import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { pb } from '@cairn/contracts';
import type { ImagesClient, JobsClient } from '@cairn/client';
import { FRESH_IMAGE_MARKER } from '@cairn/testing';
import { stateOf, watchAll } from './job-helpers';

/** The path of the marker file a fresh image (pushFreshImage) holds, as a job inside it sees it. */
export const MARKER_PATH = `/${FRESH_IMAGE_MARKER}`;

const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'];

/** What the fresh image's marker file holds, read straight from the registry: its marker layer (a gzipped tar of one file). */
export async function markerOf(registry: string, repository: string, markerLayerDigest: string): Promise<string> {
  const response = await fetch(`http://${registry}/v2/${repository}/blobs/${markerLayerDigest}`);
  if (!response.ok) throw new Error(`blob ${markerLayerDigest} of ${registry}/${repository}: HTTP ${response.status}`);
  const tar = gunzipSync(Buffer.from(await response.arrayBuffer()));
  const name = tar.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
  if (name !== FRESH_IMAGE_MARKER) throw new Error(`the marker layer holds ${JSON.stringify(name)}, not ${FRESH_IMAGE_MARKER}`);
  const size = Number.parseInt(tar.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim(), 8);
  return tar.subarray(512, 512 + size).toString('utf8');
}

/** An image index read straight from the registry: its digest and the manifest of each platform. */
export async function readIndex(registry: string, repository: string, tag: string): Promise<{ digest: string; manifests: { digest: string; platform: { os: string; architecture: string } }[] }> {
  const response = await fetch(`http://${registry}/v2/${repository}/manifests/${tag}`, { headers: { Accept: INDEX_TYPES.join(', ') } });
  if (!response.ok) throw new Error(`index ${registry}/${repository}:${tag}: HTTP ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  const index = JSON.parse(body.toString('utf8')) as { manifests: { digest: string; platform: { os: string; architecture: string } }[] };
  return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, manifests: index.manifests };
}

/** The OCI architecture of this machine (the site's platform: the agent runs here). */
export function hostArchitecture(): string {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x' };
  return arch[process.arch] ?? process.arch;
}

/** Follows a job to its end; returns its record and its stdout. */
export async function finished(client: JobsClient, jobId: string): Promise<{ job: pb.Job; stdout: string }> {
  await watchAll(client, jobId);
  const job = await client.getJob(jobId);
  const stdout = job.slurmJobId ? Buffer.from((await client.getJobOutput({ jobId })).data).toString() : '';
  return { job, stdout };
}

export const completed = (job: pb.Job) => `${stateOf(job.state)} ${job.exitCode ?? ''} ${job.reason}`.trim();

/** Materialises through ImageService.MaterializeImage to the end; returns the last message. */
export async function materialize(images: ImagesClient, reference: string): Promise<pb.MaterializeImageResponse> {
  let last: pb.MaterializeImageResponse | undefined;
  for await (const message of images.materialize(reference)) last = message;
  if (!last) throw new Error(`MaterializeImage ${reference}: no message`);
  return last;
}

/** Asks ImageService.ResolveImage until `done` holds (a moved tag after the TTL), at most `timeoutMs`. */
export async function resolveUntil(images: ImagesClient, reference: string, done: (image: pb.ResolvedImage) => boolean, timeoutMs = 60_000): Promise<pb.ResolvedImage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { image } = await images.resolve(reference);
    if (done(image)) return image;
    if (Date.now() > deadline) throw new Error(`${reference} still resolves to ${image.digest} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
