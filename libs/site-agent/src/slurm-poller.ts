import { classifySlurmState, type SlurmJobInfo, type SlurmRepository } from '@cairn/adapters/slurm';
import type { Logger } from '@cairn/logging';
import type { AttemptEvents } from './attempt-events';
import type { Attempt, AttemptStore } from './attempt-store';
import { slurmJobName } from './attempt-submitter';

/** Polls in a row without the job in squeue and without an exit record before it counts as lost. */
const MISSING_LIMIT = 5;

/**
 * Follows every submitted attempt with ONE squeue call per tick, whatever their number,
 * and publishes each state change in order (PENDING, RUNNING, final). The wrapper's exit
 * record supplies the exit code, and the final state once Slurm has forgotten the job.
 */
export class SlurmPoller {
  constructor(
    private readonly store: AttemptStore,
    private readonly slurm: SlurmRepository,
    private readonly events: AttemptEvents,
    private readonly logger: Logger,
  ) {}

  /** Follows the given attempts (those submitted and not final) with one squeue call. */
  async tick(open: readonly Attempt[]): Promise<void> {
    const attempts = open.filter((a) => a.status.slurmJobId && !a.status.final);
    if (attempts.length === 0) return;
    const jobs = indexByName(await this.slurm.listJobs());
    for (const attempt of attempts) {
      try {
        await this.follow(attempt, jobs.get(slurmJobName(attempt.id)));
      } catch (error) {
        this.logger.error({ err: error, attemptId: attempt.id }, 'could not follow attempt; will retry');
      }
    }
  }

  private async follow(attempt: Attempt, info: SlurmJobInfo | undefined): Promise<void> {
    const exit = await this.store.readExitRecord(attempt);
    if (!info) {
      if (exit) return this.finish(attempt, exit.exitCode === 0 ? 'COMPLETED' : 'FAILED', exit.exitCode, '');
      attempt.status.missing += 1;
      if (attempt.status.missing >= MISSING_LIMIT) {
        await this.finish(attempt, attempt.status.cancelRequested ? 'CANCELLED' : 'FAILED', null, 'the job left Slurm without an exit record');
      } else {
        await this.store.saveStatus(attempt);
      }
      return;
    }
    const cls = classifySlurmState(info.state);
    const reason = info.reason === 'None' ? '' : info.reason;
    switch (cls) {
      case undefined:
        this.logger.warn({ attemptId: attempt.id, state: info.state }, 'unknown Slurm state');
        return;
      case 'PENDING':
        await this.events.publish(attempt, 'PENDING', { reason });
        return;
      case 'RUNNING':
        await this.events.publish(attempt, 'PENDING');
        await this.events.publish(attempt, 'RUNNING', { reason: info.nodes ? `on ${info.nodes}` : '' });
        return;
      case 'COMPLETED':
      case 'FAILED':
        return this.finish(attempt, cls, exit?.exitCode ?? null, cls === 'FAILED' ? describe(info) : '');
      case 'TIMEOUT':
        return this.finish(attempt, 'TIMEOUT', exit?.exitCode ?? null, 'time limit reached');
      case 'CANCELLED':
        return this.finish(attempt, 'CANCELLED', exit?.exitCode ?? null, attempt.status.cancelRequested ? 'cancelled by request' : describe(info));
    }
  }

  /** Publishes the states the attempt went through but were not seen, then the final one. */
  private async finish(
    attempt: Attempt,
    state: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMEOUT',
    exitCode: number | null,
    reason: string,
  ): Promise<void> {
    await this.events.publish(attempt, 'PENDING');
    if (await this.store.hasStarted(attempt)) await this.events.publish(attempt, 'RUNNING');
    await this.events.publish(attempt, state, { exitCode, reason });
  }
}

function indexByName(jobs: SlurmJobInfo[]): Map<string, SlurmJobInfo> {
  const byName = new Map<string, SlurmJobInfo>();
  for (const job of jobs) if (job.name.startsWith('cairn-')) byName.set(job.name, job);
  return byName;
}

function describe(info: SlurmJobInfo): string {
  return info.reason && info.reason !== 'None' ? `${info.state}: ${info.reason}` : info.state;
}
