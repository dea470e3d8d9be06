/** A batch job as the Slurm adapter submits it. All values are validated before use. */
export interface BatchJob {
  /** Slurm job name; Cairn uses it to tag the job with its attempt id. */
  name: string;
  /** Slurm comment; Cairn puts the attempt id here too. */
  comment: string;
  /** Absolute path of the batch script to run. */
  scriptPath: string;
  /** Absolute working directory of the job (--chdir). */
  workDir: string;
  stdoutPath: string;
  stderrPath: string;
  cpus: number;
  memoryMb: number;
  timeLimitSeconds: number;
  partition?: string;
  /** Nodes (default 1). */
  nodes?: number;
  /** GPUs per node (--gres=gpu[:type]:n); none when 0 or absent. */
  gpus?: number;
  gpuType?: string;
  /**
   * Makes the job an array: "0-33" or "0-999%64" (indices, and at most %k running at
   * once). Output paths may then use %a (task index) and %A (array job id).
   */
  array?: string;
  /**
   * Run the job as this user and group (numeric ids or names): sbatch gets
   * `--uid --gid --export=ALL` and runs with only PATH and SLURM_* of the submitter's
   * environment (sbatchEnvironment), so nothing else of the submitter's reaches the job
   * (only root may submit for another user). Unset: the job runs as whoever runs sbatch.
   */
  runAs?: { user: string; group: string };
  /**
   * The Slurm account the job is charged to (--account). With associations enforced,
   * Slurm refuses an account the job's user has no association with. Unset: the user's
   * default account.
   */
  account?: string;
}

/** Slurm's job states (squeue %T), as of Slurm 22.05. */
export type SlurmState = string;

/** One job as squeue reports it. */
export interface SlurmJobInfo {
  jobId: string;
  name: string;
  state: SlurmState;
  reason: string;
  nodes: string;
  /** The user the job runs as (squeue %u). */
  user: string;
  comment: string;
}

/** How Cairn reads a Slurm state. */
export type SlurmStateClass = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMEOUT';
