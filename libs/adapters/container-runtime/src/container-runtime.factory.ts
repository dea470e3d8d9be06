import type { ProcessRepository } from '@cairn/adapters/process';
import { ApptainerRuntime } from './apptainer.runtime';
import { CharliecloudRuntime } from './charliecloud.runtime';
import type { ContainerRuntime } from './container-runtime';

/** The container runtimes Cairn has (CAIRN_CONTAINER_RUNTIME). */
export const CONTAINER_RUNTIMES = ['charliecloud', 'apptainer'] as const;
export type ContainerRuntimeKind = (typeof CONTAINER_RUNTIMES)[number];

export interface ContainerRuntimeOptions {
  /** Where converted images are cached, one file per digest. */
  cacheDir: string;
  /** Registries reached over plain HTTP (dev clusters). */
  insecureRegistries: readonly string[];
}

/** The runtime the setting names, behind the ContainerRuntime abstract class (ADR 0007). */
export function createContainerRuntime(kind: ContainerRuntimeKind, processes: ProcessRepository, options: ContainerRuntimeOptions): ContainerRuntime {
  switch (kind) {
    case 'charliecloud':
      return new CharliecloudRuntime(processes, options);
    case 'apptainer':
      return new ApptainerRuntime(processes, options);
  }
}
