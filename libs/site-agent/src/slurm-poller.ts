import { classifySlurmState, parseArrayTaskId, type SlurmJobInfo, type SlurmRepository } from '@cairn/adapters/slurm';
import type { Logger } from '@cairn/logging';
import type { AttemptEvents } from './attempt-events';
import type { Attempt, AttemptStore } from './attempt-store';
import { itemIndices } from './array-element';
import { slurmJobName } from './attempt-submitter';
import type { ExitRecord } from './exit-record';
import { runFactsOf } from './hashed-files';

/** Polls in a row without the job in squeue and without an exit record before it counts as lost. */
const MISSING_LIMIT = 5;

/**
 * Follows every submitted attempt with ONE squeue call per tick, whatever their number,
 * and publishes each state change in order (PENDING, RUNNING, final). The wrapper's exit
 * record supplies the exit code, and the final state once Slurm has forgotten the job.
 */
export class SlurmPoller {
  private queue: SlurmQueue = { pending: 0, running: 0 };

  constructor(
    private readonly store: AttemptStore,
    private readonly slurm: SlurmRepository,
    private readonly events: AttemptEvents,
    private readonly logger: Logger,
  ) {}

  /** Follows the given attempts (those submitted and not final) with one squeue call. */
  async tick(open: readonly Attempt[]): Promise<void> {
    const attempts = open.filter((a) => a.status.slurmJobId && !a.status.final);
    if (attempts.length === 0) {
      this.queue = { pending: 0, running: 0 };
      return;
    }
    const jobs = indexByName(await this.slurm.listJobs());
    this.queue = countQueue(attempts.map((attempt) => jobs.get(slurmJobName(attempt.id)) ?? []));
    for (const attempt of attempts) {
      try {
        const infos = jobs.get(slurmJobName(attempt.id)) ?? [];
        if (attempt.status.elements) await this.followArray(attempt, attempt.status.elements, infos);
        else await this.follow(attempt, infos[0]);
      } catch (error) {
        this.logger.error({ err: error, attemptId: attempt.id }, 'could not follow attempt; will retry');
      }
    }
  }

  /** The attempts followed that Slurm held pending and running at the last tick (an array counts once). */
  lastQueue(): SlurmQueue {
    return { ...this.queue };
  }

  private async follow(attempt: Attempt, info: SlurmJobInfo | undefined): Promise<void> {
    const record = await this.store.readExitRecord(attempt);
    // The job can write its exit record: one that is not the wrapper's fails the attempt, with why.
    const bad = record.kind === 'invalid' ? `the job's exit record is invalid: ${record.reason}` : undefined;
    const exit = record.kind === 'ok' ? record.value : undefined;
    if (!info) {
      if (bad) return this.finish(attempt, attempt.status.cancelRequested ? 'CANCELLED' : 'FAILED', null, bad);
      if (exit) return this.finish(attempt, exit.exitCode === 0 ? 'COMPLETED' : 'FAILED', exit.exitCode, '', exit);
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
        await this.publishRunning(attempt, info.nodes ? `on ${info.nodes}` : '');
        return;
      case 'COMPLETED':
      case 'FAILED':
        if (bad) return this.finish(attempt, 'FAILED', null, bad);
        return this.finish(attempt, cls, exit?.exitCode ?? null, cls === 'FAILED' ? describe(info) : '', exit);
      case 'TIMEOUT':
        return this.finish(attempt, 'TIMEOUT', exit?.exitCode ?? null, 'time limit reached', exit);
      case 'CANCELLED':
        return this.finish(attempt, 'CANCELLED', exit?.exitCode ?? null, attempt.status.cancelRequested ? 'cancelled by request' : describe(info), exit);
    }
  }

  /**
   * An array attempt: PENDING while only pending tasks are left, RUNNING once any task
   * runs, and final when every element has ended, judged by the items' own records
   * (COMPLETED when every item exited 0, FAILED naming the failed items otherwise).
   */
  private async followArray(attempt: Attempt, elements: number, infos: SlurmJobInfo[]): Promise<void> {
    const classes = infos.map((info) => ({ info, cls: classifySlurmState(info.state), index: parseArrayTaskId(info.jobId).index }));
    const ended = new Set(
      classes.filter((c) => c.index !== undefined && c.cls && !['PENDING', 'RUNNING'].includes(c.cls)).map((c) => c.index),
    );
    const live = classes.filter((c) => c.cls === 'PENDING' || c.cls === 'RUNNING');
    if (live.some((c) => c.cls === 'RUNNING')) {
      await this.events.publish(attempt, 'PENDING');
      await this.events.publish(attempt, 'RUNNING', { reason: `${ended.size} of ${elements} elements done` });
      return;
    }
    if (live.length > 0) {
      await this.events.publish(attempt, 'PENDING');
      return;
    }
    const records = await this.store.readItemRecords(attempt, elements);
    const forgotten = infos.length === 0;
    if (forgotten && records.elementsWithRecords < elements) {
      attempt.status.missing += 1;
      if (attempt.status.missing < MISSING_LIMIT) return this.store.saveStatus(attempt);
    }
    // Items are named by their index (their index in the workflow step, when given).
    const expected = attempt.command?.array ? new Set(itemIndices(attempt.command.array)) : undefined;
    const recorded = expected ? records.items.filter((r) => expected.has(r.item)) : records.items;
    const failed = recorded.filter((r) => r.exitCode !== 0).map((r) => r.item);
    const timedOut = classes.some((c) => c.cls === 'TIMEOUT');
    const total = expected?.size ?? recorded.length;
    const missingItems = total - recorded.length;
    await this.events.publish(attempt, 'PENDING');
    if (recorded.length > 0) await this.events.publish(attempt, 'RUNNING');
    // The job's inputs, hashed once by element 0; its items' outputs are in the items query.
    const inputs = attempt.command?.spec.run?.inputs;
    const run = inputs?.length ? runFactsOf({ inputs: await this.store.readInputsRecord(attempt) }, { inputs }) : undefined;
    if (attempt.status.cancelRequested) {
      await this.events.publish(attempt, 'CANCELLED', { reason: 'cancelled by request', run });
    } else if (failed.length === 0 && missingItems === 0 && records.invalid.length === 0) {
      await this.events.publish(attempt, 'COMPLETED', { exitCode: 0, reason: `${total} items completed`, run });
    } else {
      const parts = [
        ...records.invalid.map((why) => `item records unreadable (${why})`).slice(0, 3),
        failed.length > 0 ? `${failed.length} of ${total} items failed (${failed.slice(0, 10).join(', ')}${failed.length > 10 ? ', ...' : ''})` : '',
        missingItems > 0 ? `${missingItems} item${missingItems === 1 ? '' : 's'} did not run` : '',
      ].filter(Boolean);
      await this.events.publish(attempt, timedOut ? 'TIMEOUT' : 'FAILED', { reason: parts.join('; '), run });
    }
  }

  /**
   * Publishes the states the attempt went through but were not seen, then the final one,
   * with what the wrapper measured when its exit record is there (valid).
   */
  private async finish(
    attempt: Attempt,
    state: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TIMEOUT',
    exitCode: number | null,
    reason: string,
    exit?: ExitRecord,
  ): Promise<void> {
    await this.events.publish(attempt, 'PENDING');
    if (await this.store.hasStarted(attempt)) await this.publishRunning(attempt, '');
    const declared = attempt.command?.spec.run;
    const run = exit ? runFactsOf(exit, { outputs: declared?.outputs, inputs: declared?.inputs }) : undefined;
    await this.events.publish(attempt, state, { exitCode, reason, run });
  }

  /** RUNNING, with the host and start time from the wrapper's start record when it is there. */
  private async publishRunning(attempt: Attempt, reason: string): Promise<void> {
    if (attempt.status.published.includes('RUNNING')) return;
    const start = await this.store.readStartRecord(attempt);
    const run = start ? runFactsOf(start, {}) : undefined;
    await this.events.publish(attempt, 'RUNNING', { reason, run });
  }
}

/** How many of Cairn's jobs Slurm holds pending and running. */
export interface SlurmQueue {
  pending: number;
  running: number;
}

/** Each attempt's squeue lines to a count: running when any of its tasks runs, else pending when any is pending. */
export function countQueue(perAttempt: readonly (readonly SlurmJobInfo[])[]): SlurmQueue {
  const queue = { pending: 0, running: 0 };
  for (const infos of perAttempt) {
    const classes = infos.map((info) => classifySlurmState(info.state));
    if (classes.includes('RUNNING')) queue.running += 1;
    else if (classes.includes('PENDING')) queue.pending += 1;
  }
  return queue;
}

function indexByName(jobs: SlurmJobInfo[]): Map<string, SlurmJobInfo[]> {
  const byName = new Map<string, SlurmJobInfo[]>();
  for (const job of jobs) {
    if (!job.name.startsWith('cairn-')) continue;
    const list = byName.get(job.name) ?? [];
    list.push(job);
    byName.set(job.name, list);
  }
  return byName;
}

function describe(info: SlurmJobInfo): string {
  return info.reason && info.reason !== 'None' ? `${info.state}: ${info.reason}` : info.state;
}
