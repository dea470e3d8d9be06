import { ProcessRepository } from '@cairn/adapters/process';
import { buildSacctJobArgs, buildUserAccountsArgs, parseSacctJob, parseSacctLines, parseUserAccounts, type SacctJob } from './slurm-accounting';

export interface SlurmAccountingCommands {
  sacct: string;
  sacctmgr: string;
}

export const DEFAULT_SLURM_ACCOUNTING_COMMANDS: SlurmAccountingCommands = { sacct: 'sacct', sacctmgr: 'sacctmgr' };

/** Reads Slurm accounting (slurmdbd): a job's record, a user's accounts. Argument vectors only. */
export class SlurmAccountingRepository {
  constructor(
    private readonly processes: ProcessRepository,
    private readonly commands: SlurmAccountingCommands = DEFAULT_SLURM_ACCOUNTING_COMMANDS,
  ) {}

  /** The job's account, user, state and exit code; undefined until accounting has it. */
  async job(jobId: string): Promise<SacctJob | undefined> {
    const result = await this.processes.check(this.commands.sacct, buildSacctJobArgs(jobId), { timeoutMs: 60_000 });
    return parseSacctJob(result.stdout, jobId);
  }

  /** Every record of the job: for an array job, one per task ([] until accounting has them). */
  async jobRecords(jobId: string): Promise<SacctJob[]> {
    const result = await this.processes.check(this.commands.sacct, buildSacctJobArgs(jobId), { timeoutMs: 60_000 });
    return parseSacctLines(result.stdout);
  }

  /** The accounts the user may charge, the default first ([] for a user Slurm does not know). */
  async userAccounts(user: string, cluster?: string): Promise<string[]> {
    const result = await this.processes.check(this.commands.sacctmgr, buildUserAccountsArgs(user, cluster), { timeoutMs: 60_000 });
    return parseUserAccounts(result.stdout);
  }
}
