import type { BatchJob, SlurmJobInfo, SlurmStateClass } from './slurm.types';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Absolute paths of safe characters; %a, %A and %j are Slurm's filename patterns. */
const PATH = /^\/(?:[A-Za-z0-9._/-]|%[aAj])*$/;
const ARRAY = /^(\d{1,7})(?:-(\d{1,7}))?(?:%(\d{1,7}))?$/;
const PARTITION = /^[A-Za-z0-9_-]{1,64}$/;
/** A POSIX user or group name (or a numeric id), as `useradd` accepts them. */
const ACCOUNT = /^(?:[a-z_][a-z0-9_-]{0,31}|[0-9]{1,10})$/;
/** A Slurm account (sacctmgr's names; the same pattern as the contracts' slurmAccountName). */
const SLURM_ACCOUNT = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export class InvalidBatchJobError extends Error {
  override readonly name = 'InvalidBatchJobError';
}

function check(ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new InvalidBatchJobError(`invalid ${what}: ${JSON.stringify(value)}`);
}

function checkInt(value: number, min: number, max: number, what: string): void {
  check(Number.isInteger(value) && value >= min && value <= max, what, value);
}

/**
 * Seconds as Slurm's D-HH:MM:SS, rounded up to whole minutes: Slurm counts time limits in
 * minutes and would round up itself (5 s becomes 1 min); saying so keeps the argv honest.
 */
export function formatTimeLimit(seconds: number): string {
  const rounded = Math.ceil(seconds / 60) * 60;
  const days = Math.floor(rounded / 86_400);
  const rest = rounded % 86_400;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${days}-${pad(Math.floor(rest / 3600))}:${pad(Math.floor((rest % 3600) / 60))}:${pad(rest % 60)}`;
}

/** The sbatch argument vector for a job. Throws InvalidBatchJobError on any unsafe value. */
/** A GPU type as GRES names it ("a100", "h100_80gb"). */
const GPU_TYPE = /^[A-Za-z0-9_.-]{1,32}$/;

export function buildSbatchArgs(job: BatchJob): string[] {
  check(NAME.test(job.name), 'job name', job.name);
  check(NAME.test(job.comment), 'comment', job.comment);
  for (const [what, path] of [
    ['script path', job.scriptPath],
    ['work dir', job.workDir],
    ['stdout path', job.stdoutPath],
    ['stderr path', job.stderrPath],
  ] as const) {
    check(PATH.test(path) && !path.includes('..'), what, path);
  }
  checkInt(job.cpus, 1, 1_000_000, 'cpus');
  checkInt(job.memoryMb, 1, 1 << 30, 'memory');
  checkInt(job.timeLimitSeconds, 1, 365 * 86_400, 'time limit');
  const args = [
    '--parsable',
    `--job-name=${job.name}`,
    `--comment=${job.comment}`,
    `--chdir=${job.workDir}`,
    `--output=${job.stdoutPath}`,
    `--error=${job.stderrPath}`,
    '--ntasks=1',
    `--cpus-per-task=${job.cpus}`,
    `--mem=${job.memoryMb}M`,
    `--time=${formatTimeLimit(job.timeLimitSeconds)}`,
  ];
  if (job.partition !== undefined) {
    check(PARTITION.test(job.partition), 'partition', job.partition);
    args.push(`--partition=${job.partition}`);
  }
  if (job.nodes !== undefined && job.nodes !== 1) {
    checkInt(job.nodes, 1, 100_000, 'nodes');
    args.push(`--nodes=${job.nodes}`);
  }
  if (job.gpus) {
    checkInt(job.gpus, 1, 64, 'gpus');
    if (job.gpuType !== undefined) check(GPU_TYPE.test(job.gpuType), 'gpu type', job.gpuType);
    args.push(`--gres=gpu:${job.gpuType ? `${job.gpuType}:` : ''}${job.gpus}`);
  }
  if (job.array !== undefined) {
    const match = ARRAY.exec(job.array);
    check(Boolean(match) && Number(match?.[2] ?? match?.[1]) >= Number(match?.[1]) && match?.[3] !== '0', 'array', job.array);
    args.push(`--array=${job.array}`);
  }
  if (job.runAs !== undefined) {
    check(ACCOUNT.test(job.runAs.user), 'user', job.runAs.user);
    check(ACCOUNT.test(job.runAs.group), 'group', job.runAs.group);
    // Never --uid alone: it keeps gid 0. The environment exported is sbatch's own, which
    // sbatchEnvironment() cuts down to PATH and SLURM_* (not --export=NONE: see there).
    args.push(`--uid=${job.runAs.user}`, `--gid=${job.runAs.group}`, '--export=ALL');
  }
  if (job.account !== undefined) {
    check(SLURM_ACCOUNT.test(job.account), 'account', job.account);
    args.push(`--account=${job.account}`);
  }
  args.push(job.scriptPath);
  return args;
}

/** The variables of the agent's environment a job run as another user may see. */
const PASSED_TO_JOBS = /^(?:PATH|SLURM_[A-Z0-9_]*)$/;

/**
 * The environment sbatch runs with, which `--export=ALL` hands to the job. For a job run as
 * another user (runAs) only PATH and the SLURM_* variables of the agent's environment (what
 * `--export=NONE` passed, plus PATH): no credentials, no database URLs, no HOME, no SBATCH_*
 * input variables. Not `--export=NONE`, because that sets SLURM_GET_USER_ENV: slurmd then runs
 * `su - <user> -c env` before every launch and, whenever su has not exited yet when its output
 * ends, sleeps a whole second (env_array_user_default in Slurm's src/common/env.c): about one
 * job in five started 1 s late. The wrappers take USER and HOME from passwd themselves. A job
 * of the agent's own user (no runAs) gets the agent's environment, as before.
 */
export function sbatchEnvironment(job: Pick<BatchJob, 'runAs'>, parent: Readonly<Record<string, string | undefined>>): Record<string, string> | undefined {
  if (job.runAs === undefined) return undefined;
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && PASSED_TO_JOBS.test(name)) env[name] = value;
  }
  return env;
}

/**
 * squeue's id of an array task ("123_4") as its array job id and index; the pending rest
 * of an array ("123_[5-9%4]") and plain jobs have no index.
 */
export function parseArrayTaskId(id: string): { jobId: string; index?: number } {
  const match = /^(\d+)_(\d+)$/.exec(id);
  if (match?.[1] && match[2]) return { jobId: match[1], index: Number(match[2]) };
  return { jobId: id.split('_')[0] ?? id };
}

/** `sbatch --parsable` prints "jobid" or "jobid;cluster". */
export function parseSbatchOutput(stdout: string): string {
  const first = stdout.trim().split('\n')[0] ?? '';
  const id = first.split(';')[0] ?? '';
  if (!/^[0-9]+$/.test(id)) throw new Error(`unexpected sbatch output: ${JSON.stringify(stdout.slice(0, 200))}`);
  return id;
}

const FIELD_SEP = '\u001f';
/**
 * %i id (array tasks as id_n), %j name, %T long state, %r reason, %N nodes, %u user,
 * %k comment (last: free text).
 */
export const SQUEUE_FORMAT = ['%i', '%j', '%T', '%r', '%N', '%u', '%k'].join(FIELD_SEP);

/**
 * Which jobs one squeue call lists. One user is filtered by the controller itself
 * (REQUEST_JOB_USER_INFO: only that user's jobs are packed and sent); several users by
 * squeue after the controller sent every job it remembers (REQUEST_JOB_INFO, Slurm 22.05).
 */
export interface SqueueFilter {
  /** The users (names or uids) whose jobs are listed: 1 to MAX_SQUEUE_USERS. */
  users: readonly string[];
  /** Also the finished jobs the controller still remembers (MinJobAge); otherwise live ones only. */
  finished?: boolean;
}

/** At most this many users in one listing (their names are one argument). */
export const MAX_SQUEUE_USERS = 1000;

/** The states of a job that has not ended (squeue --states): everything Cairn reads as PENDING or RUNNING. */
export const LIVE_STATES: readonly string[] = [
  'PENDING',
  'CONFIGURING',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESV_DEL_HOLD',
  'RESIZING',
  'RUNNING',
  'COMPLETING',
  'SIGNALING',
  'STAGE_OUT',
  'SUSPENDED',
  'STOPPED',
];

/**
 * One squeue call. Without a filter: every job the controller remembers, finished ones
 * included (its cost grows with every job on the cluster and with the last MinJobAge of
 * history). With one: only the users' jobs, live ones unless `finished`. Throws
 * InvalidBatchJobError on a user name that is not one.
 */
export function buildSqueueArgs(filter?: SqueueFilter): string[] {
  if (!filter) return ['--noheader', '--states=all', `--format=${SQUEUE_FORMAT}`];
  check(filter.users.length >= 1 && filter.users.length <= MAX_SQUEUE_USERS, 'user count', filter.users.length);
  for (const user of filter.users) check(ACCOUNT.test(user), 'user', user);
  const users = [...new Set(filter.users)].sort();
  return ['--noheader', `--user=${users.join(',')}`, `--states=${filter.finished ? 'all' : LIVE_STATES.join(',')}`, `--format=${SQUEUE_FORMAT}`];
}

/**
 * How many array tasks one squeue id stands for: "123_4" one, the pending rest
 * "123_[5-9%4]" or "123_[1,3,7-9]" each index in it, a plain job one.
 */
export function countArrayTasks(id: string): number {
  const rest = /^\d+_\[([0-9,-]+)(?:%\d+)?\]$/.exec(id);
  if (!rest?.[1]) return 1;
  let count = 0;
  for (const part of rest[1].split(',')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!range?.[1]) continue;
    const first = Number(range[1]);
    const last = range[2] === undefined ? first : Number(range[2]);
    count += last >= first ? last - first + 1 : 0;
  }
  return Math.max(count, 1);
}

export function parseSqueueOutput(stdout: string): SlurmJobInfo[] {
  const jobs: SlurmJobInfo[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [jobId, name, state, reason, nodes, user, ...comment] = line.split(FIELD_SEP);
    // Only the id and state are certain: any user may submit a job with an empty name.
    if (!jobId?.trim() || !state?.trim()) throw new Error(`unexpected squeue line: ${JSON.stringify(line.slice(0, 200))}`);
    jobs.push({
      jobId: jobId.trim(),
      name: name ?? '',
      state: state.trim(),
      reason: (reason ?? '').trim(),
      nodes: (nodes ?? '').trim(),
      user: (user ?? '').trim(),
      comment: comment.join(FIELD_SEP),
    });
  }
  return jobs;
}

const CLASS: Record<string, SlurmStateClass> = {
  PENDING: 'PENDING',
  CONFIGURING: 'PENDING',
  REQUEUED: 'PENDING',
  REQUEUE_FED: 'PENDING',
  REQUEUE_HOLD: 'PENDING',
  RESV_DEL_HOLD: 'PENDING',
  RESIZING: 'PENDING',
  RUNNING: 'RUNNING',
  COMPLETING: 'RUNNING',
  SIGNALING: 'RUNNING',
  STAGE_OUT: 'RUNNING',
  SUSPENDED: 'RUNNING',
  STOPPED: 'RUNNING',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  NODE_FAIL: 'FAILED',
  BOOT_FAIL: 'FAILED',
  OUT_OF_MEMORY: 'FAILED',
  DEADLINE: 'FAILED',
  PREEMPTED: 'FAILED',
  SPECIAL_EXIT: 'FAILED',
  REVOKED: 'CANCELLED',
  CANCELLED: 'CANCELLED',
  TIMEOUT: 'TIMEOUT',
};

/** Reads a Slurm state (squeue %T, possibly "CANCELLED by 0") as one of Cairn's. */
export function classifySlurmState(state: string): SlurmStateClass | undefined {
  return CLASS[state.split(/\s/)[0] ?? ''];
}

/** Limits that shape job arrays, read from `scontrol show config` (never assumed). */
export interface ClusterLimits {
  maxArraySize: number;
  maxJobCount: number;
}

export function parseClusterLimits(stdout: string): ClusterLimits {
  const read = (key: string): number => {
    const match = new RegExp(`^${key}\\s*=\\s*(\\d+)`, 'm').exec(stdout);
    if (!match?.[1]) throw new Error(`scontrol show config printed no ${key}`);
    return Number(match[1]);
  };
  return { maxArraySize: read('MaxArraySize'), maxJobCount: read('MaxJobCount') };
}
