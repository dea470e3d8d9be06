export { BIND_TARGETS, checkBind, ContainerRuntime, digestHex, MOUNT_ROOT } from './container-runtime';
export { CharliecloudRuntime } from './charliecloud.runtime';
export type { CharliecloudOptions } from './charliecloud.runtime';
export { ApptainerRuntime } from './apptainer.runtime';
export type { ApptainerOptions } from './apptainer.runtime';
export { shellQuote } from './shell-quote';
export type { ContainerRun, LaunchPlan, PreparedImage } from './container-runtime.types';
export { CONTAINER_RUNTIMES, createContainerRuntime } from './container-runtime.factory';
export type { ContainerRuntimeKind, ContainerRuntimeOptions } from './container-runtime.factory';
