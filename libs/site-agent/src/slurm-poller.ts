import { setTimeout as sleep } from 'node:timers/promises';
import {
  classifySlurmState,
  countArrayTasks,
  MAX_SQUEUE_USERS,
  parseArrayTaskId,
  type SacctJob,
  type SlurmAccountingRepository,
  type SlurmJobInfo,
  type SlurmRepository,
  type SlurmStateClass,
  type SqueueFilter,
} from '@cairn/adapters/slurm';
import type { Logger } from '@cairn/logging';
import type { AttemptEvents } from './attempt-events';
import type { Attempt, AttemptStore } from './attempt-store';
import { itemIndices } from './array-element';
import { slurmJobName } from './attempt-submitter';
import type { ExitRecord } from './exit-record';
import { runFactsOf } from './hashed-files';
import { END_SETTLE_MS, OutSignals } from './out-signals';
import { PollBackoff } from './poll-backoff';

/**
 * Why a job Slurm failed before its wrapper wrote anything: slurmd could not launch its
 * script (sacct then says only FAILED, with no reason). Its log on the node says which cause.
 */
export const NEVER_STARTED =
  "Slurm could not start the job's script (it wrote no start record); slurmd's log on the node says why, often a directory the job's user cannot reach";

/** Polls in a row without the job in squeue and without an exit record before it counts as lost. */
const MISSING_LIMIT = 5;
/** With accounting: polls in a row it may take slurmdbd to record how a job that left squeue ended. */
const ACCOUNTING_LIMIT = 30;

export interface PollerOptions {
  /**
   * The user the site's jobs run as (CAIRN_AGENT_JOB_USER): each listing asks only for the
   * jobs of the users the followed attempts run as, live ones only. Unset: every job the
   * controller remembers (the listing's cost then grows with the cluster).
   */
  jobUser?: string;
  /** Slurm accounting, asked how a job ended when its exit record does not say (a non-zero exit, none). */
  accounting?: Pick<SlurmAccountingRepository, 'jobRecords'>;
  /** Ticks between listings while nothing changes, at most (1: list at every tick). */
  backoffFactor?: number;
  /** Listings an end learned from the files buys at most (OutSignals; SETTLE_LISTINGS by default). */
  settleListings?: number;
  /** How long a tick's listing waits for an end the files showed a moment ago to settle in Slurm (END_SETTLE_MS by default). */
  endSettleMs?: number;
}

/**
 * Follows every submitted attempt with at most ONE squeue call per tick, whatever their
 * number, and publishes each state change in order (PENDING, RUNNING, final). The listing
 * asks only for the jobs of the attempts' users, live ones, so its cost does not grow with
 * other users' jobs nor with finished ones; a job that left it ended, and how is read from
 * the wrapper's exit record (Slurm accounting only when that record does not settle it).
 * While listings change no attempt's state, the poller lists less often (PollBackoff): an
 * array's elements starting and ending in the middle of a sweep are no change. A submission
 * or a cancel urges it, and so do the files the wrappers write (OutSignals): a job's first
 * start, and its end (every element's), which it then follows at every tick until final.
 */
export class SlurmPoller {
  private queue: SlurmQueue = { pending: 0, running: 0 };
  private readonly backoff: PollBackoff;
  private readonly signals: OutSignals;
  /** What the last listing saw of each attempt (to tell whether anything changed). */
  private seen = new Map<string, string>();
  /** When the last listing was made (0: none yet), and whether a tick runs now. */
  private listedAt = 0;
  private ticking = false;

  constructor(
    private readonly store: AttemptStore,
    private readonly slurm: SlurmRepository,
    private readonly events: AttemptEvents,
    private readonly logger: Logger,
    private readonly options: PollerOptions = {},
  ) {
    this.backoff = new PollBackoff(options.backoffFactor ?? 1);
    this.signals = new OutSignals((attempt) => store.outDir(attempt), options.settleListings);
  }

  /** A job was submitted or cancelled: the next tick lists. */
  urge(): void {
    this.backoff.urge();
  }

  /**
   * Follows the given attempts (those submitted and not final) with one squeue call, when
   * one is due (see PollBackoff). Returns whether it listed.
   */
  async tick(open: readonly Attempt[]): Promise<boolean> {
    this.ticking = true;
    try {
      return await this.tickNow(open);
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Between ticks: when the wrappers' files show a followed attempt's first start or its end
   * that no tick has seen yet, the time it appeared (OutSignals.glance), so that the agent can
   * list soon rather than at its next tick. Lists nothing itself; undefined while a tick runs
   * (it looks anyway).
   */
  async glance(open: readonly Attempt[]): Promise<number | undefined> {
    if (this.ticking) return undefined;
    return this.signals.glance(followed(open));
  }

  /** When the last listing was made (epoch ms; 0 before the first). */
  lastListedAt(): number {
    return this.listedAt;
  }

  private async tickNow(open: readonly Attempt[]): Promise<boolean> {
    const attempts = followed(open);
    if (attempts.length === 0) {
      this.queue = { pending: 0, running: 0 };
      this.seen = new Map();
      this.signals.forget();
      return false;
    }
    // What the wrappers' files say may urge this tick's listing (a job started or ended).
    if (await this.signals.look(attempts)) this.backoff.urge();
    if (!this.backoff.due()) return false;
    // An end the files showed a moment ago: the listing waits until Slurm has had endSettleMs to
    // let the task go, rather than seeing it still live and leaving the end to a poll interval later.
    const settleMs = this.options.endSettleMs ?? END_SETTLE_MS;
    const end = this.signals.freshestEnd();
    const wait = end === undefined ? 0 : Math.min(settleMs, end + settleMs - Date.now());
    if (wait > 0) await sleep(wait);
    this.signals.listed();
    this.listedAt = Date.now();
    const jobs = indexByName(await this.slurm.listJobs(this.filterFor(attempts)));
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
    // A change is a change of an attempt's state (or of how long it has been missing), not
    // of its tasks: elements starting and ending in a sweep do not keep the poll at every tick.
    const seen = new Map(attempts.map((a) => [a.id, `${a.status.published.join(',')}|${a.status.missing}`]));
    const changed = seen.size !== this.seen.size || [...seen].some(([id, what]) => this.seen.get(id) !== what);
    this.seen = seen;
    this.backoff.listed(changed);
    return true;
  }

  /** Ticks between listings now (1 while things change). */
  backoffFactor(): number {
    return this.backoff.currentFactor();
  }

  /** The listing for these attempts: their users' live jobs (or everything, without a job user). */
  private filterFor(attempts: readonly Attempt[]): SqueueFilter | undefined {
    const { jobUser } = this.options;
    if (jobUser === undefined) return undefined;
    const users = [...new Set(attempts.map((a) => a.command?.runAs?.posixUser ?? jobUser))];
    // More users than one listing names: every job the controller remembers (still one listing).
    return users.length <= MAX_SQUEUE_USERS ? { users } : undefined;
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
      // Exit 0, not cancelled, well within its time limit: completed, Slurm's word is not needed.
      // (A runtime may exit 0 on the SIGTERM of a cancel or a time limit: those ask accounting.)
      if (exit && (!this.options.accounting || (exit.exitCode === 0 && !attempt.status.cancelRequested && !nearTimeLimit(exit, attempt)))) {
        return this.finish(attempt, exit.exitCode === 0 ? 'COMPLETED' : 'FAILED', exit.exitCode, '', exit);
      }
      // Otherwise accounting tells a time limit, a cancel or a node failure apart.
      const accounted = (await this.accounted(attempt)).find((job) => job.jobId === attempt.status.slurmJobId);
      const cls = accounted?.stateClass;
      if (accounted && cls && cls !== 'PENDING' && cls !== 'RUNNING') return this.ended(attempt, cls, accounted.state, '', exit, bad);
      attempt.status.missing += 1;
      if (attempt.status.missing < (this.options.accounting ? ACCOUNTING_LIMIT : MISSING_LIMIT)) return this.store.saveStatus(attempt);
      if (attempt.status.cancelRequested) return this.finish(attempt, 'CANCELLED', exit?.exitCode ?? null, 'cancelled by request', exit);
      if (exit) return this.finish(attempt, exit.exitCode === 0 ? 'COMPLETED' : 'FAILED', exit.exitCode, '', exit);
      return this.finish(attempt, 'FAILED', null, 'the job left Slurm without an exit record');
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
      case 'TIMEOUT':
      case 'CANCELLED':
        return this.ended(attempt, cls, info.state, reason, exit, bad);
    }
  }

  /** The final state of a job Slurm (its listing or its accounting) says has ended. */
  private async ended(
    attempt: Attempt,
    cls: Exclude<SlurmStateClass, 'PENDING' | 'RUNNING'>,
    state: string,
    reason: string,
    exit: ExitRecord | undefined,
    bad: string | undefined,
  ): Promise<void> {
    const described = reason ? `${state}: ${reason}` : state;
    switch (cls) {
      case 'COMPLETED':
      case 'FAILED':
        if (bad) return this.finish(attempt, 'FAILED', null, bad);
        if (cls === 'FAILED' && !exit && !(await this.store.hasStarted(attempt))) return this.finish(attempt, 'FAILED', null, `${described}: ${NEVER_STARTED}`);
        return this.finish(attempt, cls, exit?.exitCode ?? null, cls === 'FAILED' ? described : '', exit);
      case 'TIMEOUT':
        return this.finish(attempt, 'TIMEOUT', exit?.exitCode ?? null, 'time limit reached', exit);
      case 'CANCELLED':
        return this.finish(attempt, 'CANCELLED', exit?.exitCode ?? null, attempt.status.cancelRequested ? 'cancelled by request' : described, exit);
    }
  }

  /** The job's records in Slurm accounting ([] without accounting, or when it cannot be asked now). */
  private async accounted(attempt: Attempt): Promise<SacctJob[]> {
    const { accounting } = this.options;
    if (!accounting || !attempt.status.slurmJobId) return [];
    try {
      return await accounting.jobRecords(attempt.status.slurmJobId);
    } catch (error) {
      this.logger.warn({ attemptId: attempt.id, err: (error as Error).message }, 'Slurm accounting could not be asked how the job ended');
      return [];
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
      // A listing of live jobs only shows no ended task: those not listed live have ended.
      const liveTasks = live.reduce((sum, c) => sum + countArrayTasks(c.info.jobId), 0);
      const done = Math.max(ended.size, elements - liveTasks, 0);
      await this.events.publish(attempt, 'PENDING');
      await this.events.publish(attempt, 'RUNNING', { reason: `${done} of ${elements} elements done` });
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
    const total = expected?.size ?? recorded.length;
    const missingItems = total - recorded.length;
    // Whether an element hit its time limit: from the listing, or else from accounting when items failed or never ran.
    const unsettled = !attempt.status.cancelRequested && (failed.length > 0 || missingItems > 0) && !classes.some((c) => c.cls === 'TIMEOUT');
    const accounted = unsettled ? await this.accounted(attempt) : [];
    const timedOut = classes.some((c) => c.cls === 'TIMEOUT') || accounted.some((job) => job.stateClass === 'TIMEOUT');
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

/** The attempts the poller follows: submitted to Slurm and not final. */
function followed(open: readonly Attempt[]): Attempt[] {
  return open.filter((a) => a.status.slurmJobId && !a.status.final);
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

/** Slurm counts time limits in whole minutes; a job that ran this close to its limit may have been stopped by it. */
const TIME_LIMIT_MARGIN_MS = 10_000;

/** Whether the job ran long enough that its time limit may have ended it (or its record's times are unreadable). */
export function nearTimeLimit(exit: Pick<ExitRecord, 'startedAt' | 'endedAt'>, attempt: Pick<Attempt, 'command'>): boolean {
  const limitS = attempt.command?.spec.resources.timeLimitSeconds;
  if (limitS === undefined) return false;
  const ranMs = Date.parse(exit.endedAt) - Date.parse(exit.startedAt);
  if (!Number.isFinite(ranMs)) return true;
  return ranMs >= Math.ceil(limitS / 60) * 60_000 - TIME_LIMIT_MARGIN_MS;
}
