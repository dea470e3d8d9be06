import type { ContainerRun, LaunchPlan, PreparedImage } from './container-runtime.types';

/**
 * The contract every container runtime meets (Charliecloud here, Apptainer in
 * production). Also the injection token; config picks the implementation.
 */
export abstract class ContainerRuntime {
  abstract readonly name: string;
  /** Pulls `pinned` (registry/name@sha256:...) and converts it once; later calls hit the cache. */
  abstract prepare(pinned: string, digest: string): Promise<PreparedImage>;
  /** The argument vector (and files) that run `run.command` in the image, without a shell. */
  abstract launch(run: ContainerRun): LaunchPlan;
}

export const DIGEST = /^sha256:([a-f0-9]{64})$/;

export function digestHex(digest: string): string {
  const match = DIGEST.exec(digest);
  if (!match?.[1]) throw new Error(`invalid image digest ${JSON.stringify(digest)}`);
  return match[1];
}
