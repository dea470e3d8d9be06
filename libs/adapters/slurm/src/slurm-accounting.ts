import { classifySlurmState } from './slurm-args';
import type { SlurmStateClass } from './slurm.types';

/** One job's record in Slurm accounting (sacct, the allocation's line). */
export interface SacctJob {
  /** "123", or "123_4" for an array task. */
  jobId: string;
  /** The account the job was charged to ('' for a job recorded without one). */
  account: string;
  /** The job's user, as a name (or a uid the database could not name). */
  user: string;
  /** sacct's state, as printed ("COMPLETED", "CANCELLED by 1001"). */
  state: string;
  /** Cairn's class of that state; undefined for a state it does not know. */
  stateClass: SlurmStateClass | undefined;
  /** The batch script's exit status, and the signal that ended it (0 for none). */
  exitCode: number;
  signal: number;
}

/** A query that would not be safe or meaningful to hand to sacct or sacctmgr. */
export class InvalidAccountingQueryError extends Error {
  override readonly name = 'InvalidAccountingQueryError';
}

const JOB_ID = /^[0-9]{1,10}(?:_[0-9]{1,7})?$/;
/** A POSIX user name as useradd takes it (what Cairn maps people to). */
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Account and user names as Slurm's database keeps them (lower case), or a bare uid. */
const NAME = /^[a-z0-9_][a-z0-9_.-]{0,63}$/;
const STATE = /^[A-Z_]{1,32}(?: by [0-9]{1,10})?$/;
const EXIT = /^([0-9]{1,3}):([0-9]{1,3})$/;
const SACCT_FIELDS = ['JobID', 'Account', 'User', 'State', 'ExitCode'] as const;

function bad(what: string, line: string): Error {
  return new Error(`unexpected ${what} line: ${JSON.stringify(line.slice(0, 200))}`);
}

/**
 * The sacct argument vector for one job's allocation line (no steps), whoever's it is.
 * With a job id sacct searches all of time, not only today.
 */
export function buildSacctJobArgs(jobId: string): string[] {
  if (!JOB_ID.test(jobId)) throw new InvalidAccountingQueryError(`invalid Slurm job id ${JSON.stringify(jobId)}`);
  return ['--noheader', '--parsable2', '--allocations', '--allusers', `--jobs=${jobId}`, `--format=${SACCT_FIELDS.join(',')}`];
}

/**
 * The record of `jobId` in the output of buildSacctJobArgs, undefined if accounting has
 * none (yet: slurmctld sends it a moment after the job starts or ends). Any line that is
 * not exactly what those arguments print is an error, never a guess.
 */
export function parseSacctJob(stdout: string, jobId: string): SacctJob | undefined {
  return parseSacctLines(stdout)
    .filter((job) => job.jobId === jobId)
    .pop();
}

/**
 * Every record in the output of buildSacctJobArgs: for an array job, one per task (and
 * one "123_[5-9]" line for tasks that never started). Any line that is not exactly what
 * those arguments print is an error, never a guess.
 */
export function parseSacctLines(stdout: string): SacctJob[] {
  const found: SacctJob[] = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const fields = line.split('|');
    if (fields.length !== SACCT_FIELDS.length) throw bad('sacct', line);
    const [id = '', account = '', user = '', state = '', exit = ''] = fields;
    const code = EXIT.exec(exit);
    // An array's pending rest is one line "123_[5-9%4]": not a task, never the one asked for.
    const idOk = JOB_ID.test(id) || /^[0-9]{1,10}_\[[0-9,%-]{1,200}\]$/.test(id);
    if (!idOk || (account !== '' && !NAME.test(account)) || !NAME.test(user) || !STATE.test(state) || !code) throw bad('sacct', line);
    const exitCode = Number(code[1]);
    const signal = Number(code[2]);
    if (exitCode > 255 || signal > 255) throw bad('sacct', line);
    found.push({ jobId: id, account, user, state, stateClass: classifySlurmState(state), exitCode, signal });
  }
  return found;
}

/**
 * The sacctmgr argument vector for a user's associations with their default account:
 * one "default|account" line per association (optionally of one cluster: name it where
 * one slurmdbd serves several, each with its own default account).
 */
export function buildUserAccountsArgs(user: string, cluster?: string): string[] {
  if (!USER.test(user)) throw new InvalidAccountingQueryError(`invalid user name ${JSON.stringify(user)}`);
  if (cluster !== undefined && !/^[a-z0-9_][a-z0-9_-]{0,63}$/.test(cluster)) {
    throw new InvalidAccountingQueryError(`invalid cluster name ${JSON.stringify(cluster)}`);
  }
  return [
    '--noheader',
    '--parsable2',
    'show',
    'user',
    'withassoc',
    'where',
    `name=${user}`,
    ...(cluster === undefined ? [] : [`cluster=${cluster}`]),
    'format=DefaultAccount,Account',
  ];
}

/**
 * The accounts in the output of buildUserAccountsArgs, the default first, each once
 * (an account with per-partition associations prints several lines); [] for a user
 * Slurm does not know or who has no association (on that cluster: sacctmgr prints "|").
 * Any other line is an error, and so are two different defaults.
 */
export function parseUserAccounts(stdout: string): string[] {
  const accounts: string[] = [];
  let defaultAccount: string | undefined;
  for (const line of stdout.split('\n')) {
    if (line === '' || line === '|') continue;
    const fields = line.split('|');
    const [def = '', account = ''] = fields;
    if (fields.length !== 2 || !NAME.test(def) || !NAME.test(account)) throw bad('sacctmgr', line);
    if (defaultAccount !== undefined && def !== defaultAccount) throw bad('sacctmgr', line);
    defaultAccount = def;
    if (!accounts.includes(account)) accounts.push(account);
  }
  const first = accounts.filter((a) => a === defaultAccount);
  return [...first, ...accounts.filter((a) => a !== defaultAccount)];
}
