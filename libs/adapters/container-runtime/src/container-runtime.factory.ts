import { IMAGE_RUNTIMES } from '@cairn/contracts';
import type { ProcessRepository } from '@cairn/adapters/process';
import { ApptainerRuntime } from './apptainer.runtime';
import { CharliecloudRuntime } from './charliecloud.runtime';
import type { ContainerRuntime } from './container-runtime';
import type { CharliecloudImageForm } from './image-converter';

/** The container runtimes Cairn has (CAIRN_CONTAINER_RUNTIME). */
export const CONTAINER_RUNTIMES = IMAGE_RUNTIMES;
export type ContainerRuntimeKind = (typeof CONTAINER_RUNTIMES)[number];

/**
 * The runtime the setting names, behind the ContainerRuntime abstract class (ADR 0007);
 * Charliecloud's images in the form the site chose (ADR 0021; SquashFS unless said).
 */
export function createContainerRuntime(kind: ContainerRuntimeKind, processes: ProcessRepository, options: { charliecloudImageForm?: CharliecloudImageForm } = {}): ContainerRuntime {
  switch (kind) {
    case 'charliecloud':
      return new CharliecloudRuntime(processes, options.charliecloudImageForm);
    case 'apptainer':
      return new ApptainerRuntime(processes);
  }
}
