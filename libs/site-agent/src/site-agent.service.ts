import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { CairnError, type OutputPage, type ResourceClass, type SiteDescription, type SiteStatus, type SubmitAttemptCommand } from '@cairn/contracts';
import type { SlurmJobInfo, SlurmRepository } from '@cairn/adapters/slurm';
import type { Logger } from '@cairn/logging';
import { PeriodicLoop } from '@cairn/service-kit';
import type { ItemRecord } from './array-element';
import type { Attempt, AttemptStore } from './attempt-store';
import type { AttemptSubmitter } from './attempt-submitter';
import { checkAttemptCommand } from './attempt-command';
import { type ItemResult, itemResults } from './item-results';
import { END_SETTLE_MS } from './out-signals';
import type { SlurmPoller } from './slurm-poller';
import type { RunAsUsers } from './run-as-user';

/** sbatch answers in well under a second; an orphan still running after this is assumed gone. */
export const ADOPT_GRACE_MS = 3000;

/** sbatch processes the agent runs at once by default (CAIRN_AGENT_SUBMIT_CONCURRENCY). */
export const DEFAULT_SUBMIT_CONCURRENCY = 4;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The agent of one site. Accepts attempts durably (on disk before the reply), submits
 * each to Slurm once, cancels, serves output, and after a restart picks up every attempt
 * that is not final: submitted ones are followed again, interrupted submissions are looked
 * up in squeue before anything is submitted twice.
 */
export class SiteAgent implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly open = new Map<string, Attempt>();
  private readonly queue: string[] = [];
  /** Attempts a submission worker holds now, and those asked for again meanwhile. */
  private readonly inFlight = new Set<string>();
  private readonly again = new Set<string>();
  /** The submission workers running (at most submitConcurrency). */
  private readonly workers = new Set<Promise<void>>();
  private active = 0;
  /** The squeue snapshot taken at recovery, and the recovered attempts not yet looked up in it. */
  private snapshot?: { ids: Set<string>; jobs: readonly SlurmJobInfo[] };
  private stopped = false;
  /** The item records of the last final array attempt asked about (one entry: its pages). */
  private finalItems?: { attemptId: string; items: ItemRecord[] };

  private readonly poller: PeriodicLoop;
  private readonly retry: PeriodicLoop;
  /** Looks at the wrappers' files between polls (none when glanceMs is 0 or not below pollMs). */
  private readonly glance?: PeriodicLoop;
  /** When the listing a glance asked for is due (epoch ms), while it is not made yet. */
  private listAt?: number;
  /** Wakes the glance at `listAt`, so that the listing is made then, not at the first glance after it. */
  private listTimer?: NodeJS.Timeout;

  constructor(
    private readonly site: string,
    private readonly store: AttemptStore,
    private readonly slurm: SlurmRepository,
    private readonly submitter: AttemptSubmitter,
    private readonly slurmPoller: SlurmPoller,
    /**
     * pollMs: the poller's tick (at most one squeue listing each); glanceMs: how often the
     * wrappers' files are looked at between ticks (0: only at the ticks).
     */
    intervals: { pollMs: number; retryMs: number; glanceMs?: number },
    private readonly placement: { resourceClasses: Record<string, ResourceClass>; defaultPartition?: string },
    private readonly logger: Logger,
    private readonly users?: RunAsUsers,
    /** How long recovery waits for an orphaned sbatch before listing the queue. */
    private readonly adoptGraceMs = ADOPT_GRACE_MS,
    /** How many attempts are submitted at once (each attempt by one worker at a time). */
    private readonly submitConcurrency = DEFAULT_SUBMIT_CONCURRENCY,
  ) {
    this.poller = new PeriodicLoop(
      'slurm-poller',
      intervals.pollMs,
      async () => {
        await slurmPoller.tick(this.tracked());
        this.forgetFinal();
      },
      logger,
    );
    this.retry = new PeriodicLoop('submit-retry', intervals.retryMs, () => this.retryTick(), logger);
    const { pollMs, glanceMs = 0 } = intervals;
    if (glanceMs > 0 && glanceMs < pollMs) this.glance = new PeriodicLoop('out-glance', glanceMs, () => this.glanceTick(pollMs), logger);
    // An attempt whose image was being converted is submitted as soon as the conversion ends.
    submitter.onImageReady((attemptId) => this.enqueue(attemptId));
  }

  tracked(): Attempt[] {
    return [...this.open.values()];
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.store.init();
    const attempts = await this.store.loadOpen();
    for (const attempt of attempts) this.open.set(attempt.id, attempt);
    const unsubmitted = attempts.filter((a) => a.command && !a.status.slurmJobId);
    if (unsubmitted.length > 0) {
      // An sbatch the previous process started may outlive it: give it time to reach the
      // controller before the snapshot decides what was submitted.
      if (unsubmitted.some((a) => a.status.submitting)) await sleep(this.adoptGraceMs);
      // One squeue snapshot, taken after the previous process died: the truth about what it submitted.
      const known = await this.slurm.listJobs(this.submitter.adoptionListing(unsubmitted));
      await this.drain(unsubmitted.map((a) => a.id), known);
    }
    this.logger.info({ site: this.site, open: attempts.length, resubmitCandidates: unsubmitted.length }, 'agent recovered');
    this.poller.start();
    this.retry.start();
    this.glance?.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.idle();
    await this.glance?.stop();
    // After the glance stopped: a glance still running could have set it again.
    clearTimeout(this.listTimer);
    await this.poller.stop();
    await this.retry.stop();
  }

  async accept(command: SubmitAttemptCommand): Promise<{ attemptId: string; duplicate: boolean }> {
    checkAttemptCommand(command, this.site);
    if (this.open.has(command.attemptId)) return { attemptId: command.attemptId, duplicate: true };
    // A person this site never runs jobs as, or whose jobs could not reach the agent's
    // directories, is refused before anything is recorded (the job fails with the reason).
    if (command.runAs) {
      if (!this.users) throw new CairnError('FAILED_PRECONDITION', `the agent of site ${this.site} does not run jobs as people`);
      await this.users.resolveForJob(command.runAs.posixUser);
    }
    // The atomic create decides: of concurrent deliveries of one attempt, exactly one creates it.
    const attempt = await this.store.createIfAbsent(command);
    if (!attempt) return { attemptId: command.attemptId, duplicate: true };
    this.open.set(attempt.id, attempt);
    this.enqueue(attempt.id);
    return { attemptId: attempt.id, duplicate: false };
  }

  async cancel(attemptId: string): Promise<{ attemptId: string; known: boolean }> {
    const loaded = this.open.get(attemptId) ?? (await this.store.load(attemptId));
    // An accept that finished meanwhile holds the attempt in memory: change that one.
    const attempt = this.open.get(attemptId) ?? loaded;
    if (!attempt || !attempt.command) {
      // A submit that won the race meanwhile keeps its attempt; cancel it then.
      if (!attempt && !(await this.store.createTombstone(attemptId))) return this.cancel(attemptId);
      return { attemptId, known: false };
    }
    if (attempt.status.final) return { attemptId, known: true };
    attempt.status.cancelRequested = true;
    await this.store.saveStatus(attempt);
    if (attempt.status.slurmJobId) {
      await this.scancel(attempt);
      this.pollNow();
    } else {
      this.enqueue(attempt.id);
    }
    this.logger.info({ attemptId, slurmJobId: attempt.status.slurmJobId }, 'cancel requested');
    return { attemptId, known: true };
  }

  /** One page of the last `maxBytes` of an attempt's output (see AttemptStore.readOutput). */
  async output(attemptId: string, stream: 'stdout' | 'stderr', window: { maxBytes: number; offset?: number; end?: number }): Promise<OutputPage> {
    const attempt = this.open.get(attemptId) ?? (await this.store.load(attemptId));
    if (!attempt?.command) throw new CairnError('NOT_FOUND', `attempt ${attemptId} is unknown on site ${this.site}`);
    const page = await this.store.readOutput(attempt, stream, window);
    return { dataBase64: page.data.toString('base64'), truncated: page.truncated, offset: page.offset, end: page.end };
  }

  /**
   * Per-item exit codes of an array attempt, as its elements recorded them so far, each
   * under the item's index (its index in the workflow step when the attempt gave indices).
   * With `facts`: each item's host, times and hashed outputs too, paged (item-results.ts).
   */
  async items(attemptId: string, query: { facts?: boolean; offset?: number } = {}): Promise<{ attemptId: string; items: ItemResult[]; more?: boolean }> {
    const attempt = this.open.get(attemptId) ?? (await this.store.load(attemptId));
    if (!attempt?.command?.array) throw new CairnError('NOT_FOUND', `attempt ${attemptId} is not an array attempt on site ${this.site}`);
    const records = await this.itemRecords(attempt, attempt.command.array);
    return { attemptId, ...itemResults(records, query, attempt.command.spec.run?.outputs) };
  }

  /** An attempt's item records; a final attempt's are kept for the next query (its pages). */
  private async itemRecords(attempt: Attempt, array: NonNullable<SubmitAttemptCommand['array']>): Promise<ItemRecord[]> {
    if (this.finalItems?.attemptId === attempt.id) return this.finalItems.items;
    const elements = Math.ceil(array.items.length / array.itemsPerElement);
    const { items } = await this.store.readItemRecords(attempt, elements);
    if (attempt.status.final) this.finalItems = { attemptId: attempt.id, items };
    return items;
  }

  /** What this site offers: array limits, partitions and resource classes, read from Slurm now. */
  async describe(): Promise<SiteDescription> {
    const [limits, partitions] = await Promise.all([this.slurm.clusterLimits(), this.slurm.partitions()]);
    return {
      site: this.site,
      ...limits,
      partitions,
      resourceClasses: this.placement.resourceClasses,
      ...(this.placement.defaultPartition ? { defaultPartition: this.placement.defaultPartition } : {}),
    };
  }

  /**
   * The site's status for SiteService.ListSites: its partitions and MaxArraySize from Slurm
   * now, and the queue as of the last poll (no squeue of its own: the poller's is enough).
   */
  async status(): Promise<SiteStatus> {
    const [limits, partitions] = await Promise.all([this.slurm.clusterLimits(), this.slurm.partitions()]);
    return {
      site: this.site,
      maxArraySize: limits.maxArraySize,
      partitions,
      ...(this.placement.defaultPartition ? { defaultPartition: this.placement.defaultPartition } : {}),
      queue: this.slurmPoller.lastQueue(),
    };
  }

  /** Retry tick: attempts whose submission waits for Slurm to come back. */
  private async retryTick(): Promise<void> {
    const waiting = this.tracked().filter((a) => a.command && !a.status.slurmJobId && !a.status.final);
    for (const a of waiting) this.enqueue(a.id);
  }

  private enqueue(attemptId: string): void {
    // One worker holds an attempt at a time: asked again meanwhile, it is queued once that worker is done.
    if (this.inFlight.has(attemptId)) this.again.add(attemptId);
    else if (!this.queue.includes(attemptId)) this.queue.push(attemptId);
    this.spawnWorkers();
  }

  /**
   * Submits the queued attempts with up to `submitConcurrency` workers, so that a burst's
   * last attempts do not wait for every sbatch before theirs. Exactly once holds per
   * attempt as before: one worker at a time, its nonce and `submitting` on disk before its
   * sbatch, and an earlier submission looked up (adopted) before any new one.
   */
  private spawnWorkers(): void {
    while (!this.stopped && this.queue.length > 0 && this.active < Math.max(1, this.submitConcurrency)) {
      // Counted before it starts: work() may enqueue (and so come back here) before it first waits.
      this.active += 1;
      const worker: Promise<void> = this.work().finally(() => {
        this.active -= 1;
        this.workers.delete(worker);
        if (this.active > 0) return;
        // One poll after the batch, not one per submission.
        this.pollNow();
        if (this.queue.length > 0) this.spawnWorkers();
      });
      this.workers.add(worker);
    }
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const id = this.queue.shift();
      if (id === undefined) return;
      if (this.inFlight.has(id)) {
        this.again.add(id);
        continue;
      }
      this.inFlight.add(id);
      try {
        // The recovery snapshot holds for each recovered attempt's first look only: later looks list afresh.
        await this.submitOne(id, this.snapshot?.ids.delete(id) ? this.snapshot.jobs : undefined);
      } finally {
        this.inFlight.delete(id);
        if (this.again.delete(id) && !this.queue.includes(id)) this.queue.push(id);
      }
    }
  }

  /** Recovery: the interrupted attempts first, each looked up in `known` before anything is submitted. */
  private async drain(ids: string[], known: readonly SlurmJobInfo[]): Promise<void> {
    this.queue.unshift(...ids.filter((id) => !this.queue.includes(id)));
    this.snapshot = { ids: new Set(ids), jobs: known };
    this.spawnWorkers();
    await this.idle();
    this.snapshot = undefined;
  }

  /** Resolves once no submission worker runs. */
  private async idle(): Promise<void> {
    while (this.workers.size > 0) await Promise.all([...this.workers]);
  }

  private async submitOne(id: string, known?: readonly SlurmJobInfo[]): Promise<void> {
    const attempt = this.open.get(id);
    if (!attempt) return;
    try {
      const done = await this.submitter.submit(attempt, known);
      if (done && attempt.status.cancelRequested && attempt.status.slurmJobId && !attempt.status.final) {
        await this.scancel(attempt);
      }
    } catch (error) {
      this.logger.error({ err: error, attemptId: id }, 'submission failed; will retry');
    }
    if (attempt.status.final) this.open.delete(id);
  }

  /**
   * A job's start or end seen in its files lists soon: once Slurm has had END_SETTLE_MS to let
   * the task go (it is COMPLETING until its epilog ends, some tens of milliseconds after the
   * wrapper's end marker: a listing at once could still show it live and wait a whole tick
   * for the next), and never less than a poll interval after the last listing (then the next
   * poll lists it): still at most one listing a poll interval.
   */
  private async glanceTick(pollMs: number): Promise<void> {
    const seenAt = await this.slurmPoller.glance(this.tracked());
    if (seenAt !== undefined) {
      const due = Math.max(seenAt + END_SETTLE_MS, this.slurmPoller.lastListedAt() + pollMs);
      this.listAt = Math.min(this.listAt ?? due, due);
    }
    const now = Date.now();
    if (this.listAt === undefined) return;
    if (now < this.listAt) {
      // A glance at that moment makes the listing (up to a glance period sooner than the next one would).
      clearTimeout(this.listTimer);
      this.listTimer = setTimeout(() => this.glance?.wake(), this.listAt - now);
      this.listTimer.unref();
      return;
    }
    this.listAt = undefined;
    if (now - this.slurmPoller.lastListedAt() >= pollMs) this.pollNow();
  }

  /** A job was submitted or cancelled: list at once, and at the poll interval again after it (no back-off). */
  private pollNow(): void {
    this.slurmPoller.urge();
    this.poller.wake();
  }

  /**
   * scancel; a job that already ended makes scancel complain, which is not an error here:
   * the poller reports whatever final state the job reached.
   */
  private async scancel(attempt: Attempt): Promise<void> {
    try {
      await this.slurm.cancel(attempt.status.slurmJobId as string);
    } catch (error) {
      this.logger.warn({ attemptId: attempt.id, err: (error as Error).message }, 'scancel failed; the poller will report the outcome');
    }
  }

  /** Drops final attempts from memory (the poller marks them final). */
  private forgetFinal(): void {
    for (const [id, attempt] of this.open) if (attempt.status.final) this.open.delete(id);
  }
}
