import { join } from 'node:path';
import type { ImageProgressMessage } from '@cairn/contracts';
import type { ProcessRepository } from '@cairn/adapters/process';
import type { ImageConverter } from './image-converter';
import { pullToLayout } from './image-pull';
import { layoutRefusal, verifyLayout } from './oci-layout-verify';
import type { RegistryAccess } from './registry-source';

export type ImageProgress = Omit<ImageProgressMessage, 'digest' | 'error'>;

/**
 * The one path from a pinned reference to a runnable file, for every runtime: pull by
 * digest into an OCI layout (skopeo), verify every blob of it (verifyLayout), convert
 * (the runtime's ImageConverter). Everything happens in `workDir`; the caller moves the
 * file into place and removes the directory.
 */
export class ImageMaterializer {
  constructor(
    private readonly processes: ProcessRepository,
    readonly converter: ImageConverter,
    private readonly access: RegistryAccess,
  ) {}

  async materialize(pinned: string, digest: string, workDir: string, onProgress: (progress: ImageProgress) => void = () => undefined): Promise<string> {
    const layout = join(workDir, 'layout');
    let total = 0;
    onProgress({ phase: 'pulling', bytesDone: 0, bytesTotal: 0 });
    await pullToLayout(this.processes, pinned, layout, this.access, (done, all) => {
      total = all;
      onProgress({ phase: 'pulling', bytesDone: done, bytesTotal: all });
    });
    onProgress({ phase: 'verifying', bytesDone: total, bytesTotal: total });
    const verified = await verifyLayout(layout);
    if (!verified.manifests.includes(digest)) throw layoutRefusal(`the image pulled for ${pinned} holds no manifest ${digest}`);
    return this.converter.convert(layout, workDir, (phase) => onProgress({ phase, bytesDone: verified.bytes, bytesTotal: verified.bytes }));
  }
}
