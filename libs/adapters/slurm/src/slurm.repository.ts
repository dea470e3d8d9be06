import { ProcessRepository } from '@cairn/adapters/process';
import { buildSbatchArgs, buildSqueueArgs, type ClusterLimits, parseClusterLimits, parseSbatchOutput, parseSqueueOutput, sbatchEnvironment, type SqueueFilter } from './slurm-args';
import { type PartitionInfo, parsePartitionSlots, parseSinfo, SINFO_ARGS } from './sinfo';
import type { BatchJob, SlurmJobInfo } from './slurm.types';

export interface SlurmCommands {
  sbatch: string;
  squeue: string;
  scancel: string;
  scontrol: string;
  sinfo: string;
}

export const DEFAULT_SLURM_COMMANDS: SlurmCommands = {
  sbatch: 'sbatch',
  squeue: 'squeue',
  scancel: 'scancel',
  scontrol: 'scontrol',
  sinfo: 'sinfo',
};

/** The only code that talks to Slurm: sbatch, scancel and squeue with argument vectors. */
export class SlurmRepository {
  /** How many controller calls this process made (for benchmarks and tests). */
  readonly calls = { sbatch: 0, squeue: 0, scancel: 0 };

  constructor(
    private readonly processes: ProcessRepository,
    private readonly commands: SlurmCommands = DEFAULT_SLURM_COMMANDS,
  ) {}

  async submit(job: BatchJob): Promise<string> {
    const args = buildSbatchArgs(job);
    this.calls.sbatch += 1;
    // A job run as another user gets only PATH and SLURM_* of the agent's environment (sbatchEnvironment).
    const envFrom = job.runAs ? (parent: Readonly<Record<string, string | undefined>>) => sbatchEnvironment(job, parent) ?? {} : undefined;
    const result = await this.processes.check(this.commands.sbatch, args, { timeoutMs: 60_000, ...(envFrom ? { envFrom } : {}) });
    return parseSbatchOutput(result.stdout);
  }

  /**
   * One squeue call: without a filter every job the controller remembers, with one only
   * the given users' jobs (see SqueueFilter for who applies the filter).
   */
  async listJobs(filter?: SqueueFilter): Promise<SlurmJobInfo[]> {
    const args = buildSqueueArgs(filter);
    this.calls.squeue += 1;
    const result = await this.processes.check(this.commands.squeue, args, { timeoutMs: 60_000 });
    return parseSqueueOutput(result.stdout);
  }

  async cancel(slurmJobId: string): Promise<void> {
    if (!/^[0-9]+(_[0-9]+)?$/.test(slurmJobId)) throw new Error(`invalid Slurm job id ${JSON.stringify(slurmJobId)}`);
    this.calls.scancel += 1;
    await this.processes.check(this.commands.scancel, [slurmJobId], { timeoutMs: 60_000 });
  }

  /** MaxArraySize and MaxJobCount as the controller has them. */
  async clusterLimits(): Promise<ClusterLimits> {
    const result = await this.processes.check(this.commands.scontrol, ['show', 'config'], { timeoutMs: 60_000 });
    return parseClusterLimits(result.stdout);
  }

  /** The partitions and what their nodes offer, in one sinfo call. */
  async partitions(): Promise<PartitionInfo[]> {
    const [nodes, config] = await Promise.all([
      this.processes.check(this.commands.sinfo, SINFO_ARGS, { timeoutMs: 60_000 }),
      this.processes.check(this.commands.scontrol, ['show', 'partition', '-o'], { timeoutMs: 60_000 }),
    ]);
    const slots = parsePartitionSlots(config.stdout);
    return parseSinfo(nodes.stdout).map((p) => ({ ...p, jobSlots: slots.get(p.name) ?? 0 }));
  }
}
