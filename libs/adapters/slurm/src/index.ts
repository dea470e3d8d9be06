export { SlurmRepository, DEFAULT_SLURM_COMMANDS } from './slurm.repository';
export type { SlurmCommands } from './slurm.repository';
export {
  buildSbatchArgs,
  buildSqueueArgs,
  classifySlurmState,
  countArrayTasks,
  LIVE_STATES,
  MAX_SQUEUE_USERS,
  formatTimeLimit,
  InvalidBatchJobError,
  parseSbatchOutput,
  parseArrayTaskId,
  parseClusterLimits,
  parseSqueueOutput,
  sbatchEnvironment,
} from './slurm-args';
export type { ClusterLimits, SqueueFilter } from './slurm-args';
export type { BatchJob, SlurmJobInfo, SlurmStateClass } from './slurm.types';
export { parsePartitionSlots, parseSinfo, parseSlurmDuration } from './sinfo';
export type { PartitionInfo } from './sinfo';
export { SlurmAccountingRepository, DEFAULT_SLURM_ACCOUNTING_COMMANDS } from './slurm-accounting.repository';
export type { SlurmAccountingCommands } from './slurm-accounting.repository';
export { buildSacctJobArgs, buildUserAccountsArgs, InvalidAccountingQueryError, parseSacctJob, parseSacctLines, parseUserAccounts } from './slurm-accounting';
export type { SacctJob } from './slurm-accounting';
