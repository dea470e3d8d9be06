import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestBlob {
  digest: string;
  size: number;
  mediaType: string;
}

/** Writes `content` as a blob of the OCI layout at `dir`. */
export function writeBlob(dir: string, content: Buffer | string, mediaType = 'application/octet-stream'): TestBlob {
  const bytes = Buffer.from(content);
  const hex = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(dir, 'blobs', 'sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length, mediaType };
}

export const blobFile = (dir: string, digest: string) => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));

/** A real (small) OCI layout: one manifest, its config and `layers` layer blobs; what each blob is. */
export function writeLayout(dir: string, layers = 2): { manifest: TestBlob; config: TestBlob; layers: TestBlob[] } {
  const config = writeBlob(dir, JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }), 'application/vnd.oci.image.config.v1+json');
  const layerBlobs = Array.from({ length: layers }, (_, i) => writeBlob(dir, Buffer.alloc(4096 + i, i + 1), 'application/vnd.oci.image.layer.v1.tar+gzip'));
  const manifest = writeBlob(
    dir,
    JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: layerBlobs }),
    'application/vnd.oci.image.manifest.v1+json',
  );
  writeIndex(dir, [manifest]);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return { manifest, config, layers: layerBlobs };
}

export function writeIndex(dir: string, manifests: unknown[]): void {
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }));
}
