import { IMAGE_RUNTIMES } from '@cairn/contracts';
import type { ProcessRepository } from '@cairn/adapters/process';
import { ApptainerRuntime } from './apptainer.runtime';
import { CharliecloudRuntime } from './charliecloud.runtime';
import type { ContainerRuntime } from './container-runtime';

/** The container runtimes Cairn has (CAIRN_CONTAINER_RUNTIME). */
export const CONTAINER_RUNTIMES = IMAGE_RUNTIMES;
export type ContainerRuntimeKind = (typeof CONTAINER_RUNTIMES)[number];

/** The runtime the setting names, behind the ContainerRuntime abstract class (ADR 0007). */
export function createContainerRuntime(kind: ContainerRuntimeKind, processes: ProcessRepository): ContainerRuntime {
  switch (kind) {
    case 'charliecloud':
      return new CharliecloudRuntime(processes);
    case 'apptainer':
      return new ApptainerRuntime(processes);
  }
}
