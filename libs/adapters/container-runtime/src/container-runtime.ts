import type { ContainerRun, LaunchPlan } from './container-runtime.types';
import type { ImageConverter } from './image-converter';

/**
 * The contract every container runtime meets (Charliecloud here, Apptainer in
 * production); createContainerRuntime picks the implementation from config. A launched
 * container gets its own /tmp (never the host's), no host home, and an environment of
 * exactly what it is started with (the caller starts it with Cairn's job variables only)
 * plus the run's `env`, set literally.
 */
export abstract class ContainerRuntime {
  abstract readonly name: 'charliecloud' | 'apptainer';
  /** Turns a pulled, verified OCI layout into the file this runtime runs (ImageMaterializer, ImageCatalogue). */
  abstract readonly converter: ImageConverter;
  /** Where a run's `tools` directory appears in the container (it need not exist in the image). */
  abstract readonly toolsMount: string;
  /** The argument vector (and files) that run `run.command` in the image, without a shell. */
  abstract launch(run: ContainerRun): LaunchPlan;
}

export const DIGEST = /^sha256:([a-f0-9]{64})$/;

/**
 * Every image Cairn converts gets this directory, so host directories can be bound under
 * it even in read-only (SquashFS) images: a job's workspace is /cairn/work.
 */
export const MOUNT_ROOT = '/cairn';
export const BIND_TARGETS = ['/cairn/work', '/cairn/run', '/cairn/data'] as const;

/** A bind is a host path (absolute, letters, digits and ._/@+=-, no "..") → one of BIND_TARGETS. */
export function checkBind(bind: { source: string; target: string }): void {
  const safe = (p: string) => /^\/[A-Za-z0-9._/@+=-]*$/.test(p) && !p.split('/').includes('..');
  if (!safe(bind.source) || !(BIND_TARGETS as readonly string[]).includes(bind.target)) {
    throw new Error(`invalid bind ${JSON.stringify(bind)}`);
  }
}

/** The agent's tools directory: a host path as checkBind wants its sources. */
export function checkTools(dir: string): void {
  if (!/^\/[A-Za-z0-9._/@+=-]*$/.test(dir) || dir.split('/').includes('..')) throw new Error(`invalid tools directory ${JSON.stringify(dir)}`);
}

export function digestHex(digest: string): string {
  const match = DIGEST.exec(digest);
  if (!match?.[1]) throw new Error(`invalid image digest ${JSON.stringify(digest)}`);
  return match[1];
}
