import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerRuntime } from '@cairn/adapters/container-runtime';
import { CommandFailedError } from '@cairn/adapters/process';
import type { SlurmJobInfo, SlurmRepository } from '@cairn/adapters/slurm';
import type { Logger } from '@cairn/logging';
import type { AttemptEvents } from './attempt-events';
import type { Attempt, AttemptStore } from './attempt-store';
import { encodeArgv, renderBatchScript } from './batch-script';

export interface SubmitterOptions {
  wrapperPath: string;
  defaultPartition?: string;
}

/** Slurm job name of an attempt: how the agent finds its jobs again after a restart. */
export const slurmJobName = (attemptId: string) => `cairn-${attemptId}`;

const TRANSIENT = /unable to contact|socket timed out|connection refused|temporarily|try again|slurm_persist/i;

/**
 * Turns an accepted attempt into exactly one Slurm job: prepares the image, writes the
 * argv and batch script, and runs sbatch — unless a job with the attempt's name already
 * exists (the agent died between sbatch and recording its id), which is adopted instead.
 */
export class AttemptSubmitter {
  constructor(
    private readonly store: AttemptStore,
    private readonly slurm: SlurmRepository,
    private readonly runtime: ContainerRuntime,
    private readonly events: AttemptEvents,
    private readonly options: SubmitterOptions,
    private readonly logger: Logger,
  ) {}

  /** Returns false when the attempt should be tried again later (Slurm unreachable). */
  async submit(attempt: Attempt, knownJobs?: ReadonlyMap<string, SlurmJobInfo>): Promise<boolean> {
    const command = attempt.command;
    if (!command || attempt.status.slurmJobId || attempt.status.final) return true;
    if (attempt.status.cancelRequested) {
      await this.events.publish(attempt, 'CANCELLED', { reason: 'cancelled before submission' });
      return true;
    }
    const log = this.logger.child({ attemptId: attempt.id, jobId: command.jobId });
    if (attempt.status.submitting) {
      const found = knownJobs?.get(slurmJobName(attempt.id));
      if (found) {
        attempt.status.slurmJobId = found.jobId.split('_')[0];
        attempt.status.submitting = false;
        await this.store.saveStatus(attempt);
        log.info({ slurmJobId: attempt.status.slurmJobId }, 'adopted the Slurm job submitted before a restart');
        return true;
      }
    }
    let image;
    try {
      image = await this.runtime.prepare(command.image.pinned, command.image.digest);
    } catch (error) {
      log.error({ err: error }, 'image preparation failed');
      await this.events.publish(attempt, 'FAILED', { reason: `image ${command.image.pinned} could not be prepared: ${message(error)}` });
      return true;
    }
    // The job's workspace: <attempt>/work on the cluster filesystem, /cairn/work inside.
    const workspace = join(attempt.dir, 'work');
    await mkdir(workspace, { recursive: true });
    const plan = this.runtime.launch({
      image,
      command: command.spec.command,
      env: command.spec.env,
      scratchDir: attempt.dir,
      binds: [{ source: workspace, target: '/cairn/work' }],
      workDir: '/cairn/work',
    });
    for (const file of plan.files) await this.store.writeFile(attempt, file.path.slice(attempt.dir.length + 1), file.content, 0o600);
    await this.store.writeFile(attempt, 'argv', encodeArgv(plan.argv));
    const scriptPath = await this.store.writeFile(
      attempt,
      'job.sh',
      renderBatchScript({ wrapperPath: this.options.wrapperPath, attemptDir: attempt.dir, attemptId: attempt.id }),
      0o755,
    );
    attempt.status.submitting = true;
    await this.store.saveStatus(attempt);
    const { resources } = command.spec;
    try {
      attempt.status.slurmJobId = await this.slurm.submit({
        name: slurmJobName(attempt.id),
        comment: slurmJobName(attempt.id),
        scriptPath,
        workDir: attempt.dir,
        stdoutPath: join(attempt.dir, 'stdout'),
        stderrPath: join(attempt.dir, 'stderr'),
        cpus: resources.cpus,
        memoryMb: resources.memoryMb,
        timeLimitSeconds: resources.timeLimitSeconds,
        partition: resources.partition ?? this.options.defaultPartition,
      });
    } catch (error) {
      if (error instanceof CommandFailedError && TRANSIENT.test(error.result.stderr)) {
        log.warn({ err: error.message }, 'Slurm unreachable; will retry');
        return false;
      }
      log.error({ err: error }, 'sbatch refused the job');
      attempt.status.submitting = false;
      await this.events.publish(attempt, 'FAILED', { reason: `Slurm refused the job: ${message(error)}` });
      return true;
    }
    attempt.status.submitting = false;
    await this.store.saveStatus(attempt);
    log.info({ slurmJobId: attempt.status.slurmJobId }, 'submitted to Slurm');
    return true;
  }
}

function message(error: unknown): string {
  if (error instanceof CommandFailedError) return error.result.stderr.trim().split('\n').pop() ?? error.message;
  return (error as Error).message;
}
