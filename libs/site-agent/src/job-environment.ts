import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Everything a job's process sees in its environment (docs/configuration.md, "What a job
 * sees"): the spec's `env`, these variables set by the wrappers (cairn-job-env.sh), and
 * the container runtime's own markers (Charliecloud's CH_RUNNING, Apptainer's APPTAINER_*).
 */
export const JOB_ENV_NAMES = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SLURM_JOB_ID',
  'SLURM_ARRAY_JOB_ID',
  'SLURM_ARRAY_TASK_ID',
  'SLURM_CPUS_PER_TASK',
  'SLURM_JOB_NODELIST',
  'SLURM_JOB_NUM_NODES',
  'CAIRN_ITEM_INDEX',
] as const;

const INCLUDE = /^# @include (cairn-[a-z-]+\.sh)\n/gm;

/**
 * A wrapper script shipped beside this file, with its included parts put in: the job
 * environment (cairn-job-env.sh, required) and the hashing of declared files (cairn-hash.sh).
 */
export function loadWrapper(file: string): string {
  return expandWrapper(file, (name) => readFileSync(join(__dirname, name), 'utf8'));
}

/** A wrapper with its included parts put in, each file's text from `read` (say, at another commit). */
export function expandWrapper(file: string, read: (name: string) => string): string {
  const text = read(file);
  if (!text.includes('# @include cairn-job-env.sh\n')) throw new Error(`${file} does not include cairn-job-env.sh`);
  return text.replace(INCLUDE, (_line, part: string) => read(part));
}
