export { CommandFailedError, ProcessRepository } from './process.repository';
export type { RunOptions, RunResult } from './process.repository';
