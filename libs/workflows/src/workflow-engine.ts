import { isFinal, isStepFinal, type ItemFacts, type JobEvent, type JobRecord, type StepState } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { classifyRefusal, type ItemResult, type JobsPort, type SitePort } from './engine-ports';
import { itemFactsOf, itemsEvents } from './item-facts';
import { onBehalfOf } from './on-behalf';
import { LoopSettler } from './loop-settler';
import { arrayStepJobs, nodeKey, RenderError, type RunInfo, runStepJobs, scopeSteps, type StepJob, stepOf } from '@cairn/workflow-planner';
import { resolveItems } from './step-items';
import { DEFAULT_TRANSIENT_RETRY, TRANSIENT_CLEARED, TransientRetries, type TransientRetryPolicy, transientReady } from './transient-retries';
import type { JobLinkRow, NodeRow, RunRow, WorkflowStore } from './workflow.store';
import { dependencies, type ParsedStep } from '@cairn/workflow-language';

/** A step stopped by its time limit with a checkpoint is requeued at most this often. */
export const MAX_REQUEUES = 5;
/** How often running array items are counted, per step. */
const ITEM_POLL_MS = 2000;
const FAILED_STATES: readonly StepState[] = ['FAILED', 'SKIPPED', 'CANCELLED'];
/** At most this many final job events wait for the next pass (past it they are dropped: the pass reads the jobs itself). */
const MAX_ENDED_HINTS = 10_000;

/**
 * Runs workflows: expands each run's graph as results arrive. Every pass reads the run's
 * state from the database, hands recorded jobs to the job service (idempotently, by
 * request id), follows their states, settles finished step instances (success, retry of
 * the failed items only, checkpoint requeue, failure), settles loop iterations, and starts
 * every step whose needs are met. Nothing lives only in memory: a restarted scheduler
 * continues where the last one stopped and submits nothing twice.
 *
 * A job's final event (`noteEnded`, from CAIRN_JOB_EVENTS) is acted on at once: the next pass
 * (the event wakes it) records the job's end from the event, as reading the job would, and
 * advances that job's run before any other. The event is a hint only: the end is recorded
 * once whoever sees it first (`endJob` changes a job that is not final yet), every step
 * transition is still made by a pass from what the database holds, and a hint lost (a
 * restart, a dropped message) only means the pass reads the job itself, as before.
 */
export class WorkflowEngine {
  private readonly loops: LoopSettler;
  private readonly transient: TransientRetries;
  private readonly itemPolls = new Map<string, number>();
  /** Final job events not yet applied, by job id. */
  private readonly ended = new Map<string, JobEvent>();
  /** Runs a final job event of which was applied and that no pass has advanced since. */
  private readonly dueRuns = new Set<string>();

  constructor(
    private readonly store: WorkflowStore,
    private readonly jobs: JobsPort,
    private readonly site: SitePort,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
    retry: TransientRetryPolicy = DEFAULT_TRANSIENT_RETRY,
  ) {
    this.transient = new TransientRetries(store, retry, logger);
    this.loops = new LoopSettler(store, site, logger, clock, this.transient);
  }

  /** A job's final event arrived: the next pass records it and advances the job's run first (nothing happens here). */
  noteEnded(event: JobEvent): void {
    if (isFinal(event.state) && (this.ended.size < MAX_ENDED_HINTS || this.ended.has(event.jobId))) this.ended.set(event.jobId, event);
  }

  /**
   * One pass over every running run. Runs with a job whose final event arrived go first,
   * also those whose event arrives during the pass (checked before each run); `advanced` is
   * told after each of them (the caller publishes its events at once).
   */
  async tick(advanced?: (runId: string) => void): Promise<void> {
    const active = await this.store.activeRunIds();
    // A run that ended since its job's event was applied needs nothing more.
    for (const runId of this.dueRuns) if (!active.includes(runId)) this.dueRuns.delete(runId);
    const done = new Set<string>();
    for (;;) {
      await this.applyEnded();
      const runId = [...this.dueRuns].find((id) => active.includes(id) && !done.has(id)) ?? active.find((id) => !done.has(id));
      if (runId === undefined) return;
      done.add(runId);
      const due = this.dueRuns.delete(runId);
      try {
        await this.advance(runId);
      } catch (error) {
        this.logger.error({ runId, err: error }, 'workflow pass failed; will try again');
      }
      if (due) advanced?.(runId);
    }
  }

  /**
   * Records the ends the final job events gave (what followJobs would record from the job's
   * record: final states are never left) and marks their runs due. A job already final, or
   * not a running run's, is left alone; a failure leaves the ends to the passes.
   */
  private async applyEnded(): Promise<void> {
    if (this.ended.size === 0) return;
    const events = new Map(this.ended);
    this.ended.clear();
    try {
      for (const link of await this.store.liveLinksOfJobs([...events.keys()])) {
        const event = events.get(link.job_id ?? '');
        if (!event || !(await this.store.endJob(link.request_id, eventPatch(event)))) continue;
        if (event.slurmJobId !== link.slurm_job_id) await this.store.touchNode(link.run_id, link.node_key, this.clock());
        this.dueRuns.add(link.run_id);
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'final job events not applied; the passes read the jobs');
    }
  }

  async advance(runId: string): Promise<void> {
    const run = await this.store.run(runId);
    if (!run || run.state !== 'RUNNING') return;
    const info: RunInfo = { runId, site: run.site, workflow: run.workflow, plan: run.plan };
    await this.submitRecorded(run);
    await this.followJobs(run);
    await this.followItems(run);
    if (run.cancel_requested_at) {
      await this.cancel(run);
      return;
    }
    for (let pass = 0; pass < 10; pass += 1) {
      if (!(await this.pass(run, info))) break;
    }
    const nodes = await this.store.nodes(runId);
    const top = nodes.filter((n) => n.scope === '');
    if (top.every((n) => isStepFinal(n.state))) {
      const failed = top.find((n) => n.state !== 'SUCCEEDED');
      const at = this.clock();
      if (failed) await this.store.finishRun(runId, 'FAILED', `step ${failed.key} ${failed.state.toLowerCase()}${failed.reason ? `: ${failed.reason}` : ''}`, at);
      else await this.store.finishRun(runId, 'SUCCEEDED', '', at);
      this.logger.info({ runId, state: failed ? 'FAILED' : 'SUCCEEDED' }, 'workflow ended');
    }
  }

  /** One pass over the run's instances; true when something changed. */
  private async pass(run: RunRow, info: RunInfo): Promise<boolean> {
    const nodes = await this.store.nodes(run.run_id);
    const jobs = await this.store.jobs(run.run_id);
    let changed = false;
    for (const node of nodes.filter((n) => n.state === 'RUNNING')) {
      if (node.kind === 'loop') changed = (await this.loops.settle(run, node, nodes)) || changed;
      else changed = (await this.settleLeaf(run, info, node, jobs)) || changed;
    }
    const byKey = new Map(nodes.map((n) => [n.key, n]));
    for (const node of nodes.filter((n) => n.state === 'WAITING')) {
      const steps = scopeSteps(info.workflow, node.scope);
      const name = node.key.slice(node.scope ? node.scope.length + 1 : 0);
      const needs = [...(dependencies(steps, node.scope !== '').get(name) ?? [])].map((d) => byKey.get(nodeKey(node.scope, d)));
      const blocked = needs.find((n) => n && FAILED_STATES.includes(n.state));
      if (blocked) {
        await this.store.updateNode(run.run_id, node.key, { state: 'SKIPPED', reason: `needs ${blocked.key}, which ${blocked.state.toLowerCase()}`, ended_at: this.clock() }, this.clock());
        changed = true;
      } else if (needs.every((n) => n?.state === 'SUCCEEDED') && transientReady(node, this.clock())) {
        await this.start(run, info, node);
        changed = true;
      }
    }
    return changed;
  }

  private async start(run: RunRow, info: RunInfo, node: NodeRow): Promise<void> {
    const at = this.clock();
    if (node.kind === 'loop') {
      await this.store.updateNode(run.run_id, node.key, { state: 'RUNNING', attempt: 1, started_at: at }, at);
      await this.loops.startIteration(run, node.key, 1);
      return;
    }
    await this.launch(run, info, { ...node, attempt: 1 }, at);
  }

  /** Records the jobs of the instance's next attempt (all its items, or those not yet done). */
  private async launch(run: RunRow, info: RunInfo, node: NodeRow, at: Date): Promise<void> {
    const gen = node.gen + 1;
    let links: StepJob[];
    let items = node.items;
    let exits = node.item_exit;
    try {
      if (node.kind === 'array') {
        if (!items) {
          items = await resolveItems(info, node.key, this.site);
          exits = items.map(() => null);
        }
        if (items.length === 0) {
          // Only an array over its loop's previous decision can have none: the first iteration.
          await this.store.updateNode(run.run_id, node.key, { state: 'SUCCEEDED', reason: 'no items: the loop has no decision before its first iteration', items: '[]', item_exit: '[]', started_at: node.started_at ?? at, ended_at: at }, at);
          return;
        }
        const todo = (exits ?? []).flatMap((code, index) => (code === 0 ? [] : [index]));
        const measured = node.item_seconds ?? (await this.store.itemSecondsHistory(run.run_id, run.name, node.path, node.iteration));
        links = arrayStepJobs(info, node.key, gen, items, todo, await this.site.describe(run.site), measured);
      } else {
        links = runStepJobs(info, node.key, gen);
      }
    } catch (error) {
      const refusal = error instanceof RenderError ? undefined : classifyRefusal(error);
      if (!(error instanceof RenderError) && !refusal) throw error;
      let reason = error instanceof RenderError ? error.message : `site ${run.site} refused: ${refusal?.message}`;
      if (refusal?.transient) {
        const failure = await this.transient.record(run, node, `site ${run.site}`, refusal.message, at);
        if (!failure) return;
        reason = failure;
      }
      await this.store.updateNode(run.run_id, node.key, { state: 'FAILED', reason, started_at: node.started_at ?? at, ended_at: at }, at);
      return;
    }
    await this.store.updateNode(
      run.run_id,
      node.key,
      {
        state: 'RUNNING',
        gen,
        attempt: node.attempt,
        retry_at: null,
        ...TRANSIENT_CLEARED,
        ...(node.transient_tries > 0 ? { reason: '' } : {}),
        started_at: node.started_at ?? at,
        ...(items ? { items: JSON.stringify(items) } : {}),
        ...(exits ? { item_exit: JSON.stringify(exits) } : {}),
      },
      at,
      links,
    );
    await this.submitRecorded(run);
  }

  /**
   * Hands every recorded, unsubmitted job to the job service; the request id de-duplicates.
   * A refused job fails with the reason; one the service does not take now is tried again
   * with backoff (recorded on its step instance), and fails once the retry budget is spent.
   */
  private async submitRecorded(run: RunRow): Promise<void> {
    const pending = (await this.store.jobs(run.run_id)).filter((j) => !j.job_id && !j.final);
    if (pending.length === 0) return;
    const nodes = new Map((await this.store.nodes(run.run_id)).map((n) => [n.key, n]));
    const waiting = new Set<string>();
    // Steps whose record changed with no event of their own yet (a job id, a Slurm id):
    // every change a run's record shows comes with an event (gateways' read memory, ADR 0019).
    const touched = new Set<string>();
    for (const link of pending) {
      const node = nodes.get(link.node_key);
      if (waiting.has(link.node_key) || (node && !transientReady(node, this.clock()))) continue;
      try {
        const job = await this.jobs.submit(link.spec, link.request_id, onBehalfOf(run));
        await this.store.updateJob(link.request_id, jobPatch(job));
        touched.add(link.node_key);
        if (node && node.transient_tries > 0) {
          await this.store.updateNode(run.run_id, node.key, { ...TRANSIENT_CLEARED, reason: '' }, this.clock());
          nodes.set(node.key, { ...node, ...TRANSIENT_CLEARED, reason: '' });
        }
      } catch (error) {
        const refusal = classifyRefusal(error);
        if (!refusal) throw error;
        let reason = `refused: ${refusal.message}`;
        if (refusal.transient && node) {
          const failure = await this.transient.record(run, node, 'the job service', refusal.message, this.clock());
          if (!failure) {
            waiting.add(node.key);
            continue;
          }
          reason = failure;
        }
        await this.store.updateJob(link.request_id, { state: 'FAILED', final: true, reason });
      }
    }
    for (const key of touched) await this.store.touchNode(run.run_id, key, this.clock());
  }

  /**
   * Reads the current state of every live job, in batches. When the job service does not
   * answer, the jobs are read on a later pass (the rest of this pass goes on); a job it
   * refuses to report is failed with the reason.
   */
  private async followJobs(run: RunRow): Promise<void> {
    const live = (await this.store.jobs(run.run_id)).filter((j) => j.job_id && !j.final);
    for (let i = 0; i < live.length; i += 500) {
      const batch = live.slice(i, i + 500);
      const read = await this.readJobs(run, batch.map((j) => j.job_id as string));
      if (!read) return;
      const records = new Map(read.records.map((r) => [r.jobId, r]));
      const touched = new Set<string>();
      for (const link of batch) {
        const refused = read.refused.get(link.job_id as string);
        if (refused) {
          await this.store.updateJob(link.request_id, { state: 'FAILED', final: true, reason: `the job service cannot report it: ${refused}` });
          touched.add(link.node_key);
          continue;
        }
        const record = records.get(link.job_id as string);
        if (!record || (record.state === link.state && record.slurmJobId === link.slurm_job_id)) continue;
        await this.store.updateJob(link.request_id, jobPatch(record));
        if (record.slurmJobId !== link.slurm_job_id) touched.add(link.node_key);
      }
      for (const key of touched) await this.store.touchNode(run.run_id, key, this.clock());
    }
  }

  /**
   * The records of these jobs; undefined when the job service does not answer now. A batch
   * it refuses is halved until the refused jobs are found (at most 2n requests).
   */
  private async readJobs(run: RunRow, ids: string[]): Promise<{ records: JobRecord[]; refused: Map<string, string> } | undefined> {
    try {
      return { records: await this.jobs.byIds(ids), refused: new Map() };
    } catch (error) {
      const refusal = classifyRefusal(error);
      if (!refusal) throw error;
      if (refusal.transient) {
        this.logger.warn({ runId: run.run_id, reason: refusal.message }, 'the job service did not answer; jobs are read again on the next pass');
        return undefined;
      }
      if (ids.length === 1) return { records: [], refused: new Map([[ids[0] as string, refusal.message]]) };
      const half = Math.ceil(ids.length / 2);
      const first = await this.readJobs(run, ids.slice(0, half));
      const second = first && (await this.readJobs(run, ids.slice(half)));
      if (!first || !second) return undefined;
      return { records: [...first.records, ...second.records], refused: new Map([...first.refused, ...second.refused]) };
    }
  }

  /**
   * Item progress of running array jobs, from the agent's per-item records (at most every
   * ITEM_POLL_MS per step), so watchers see items finish while the elements run.
   */
  private async followItems(run: RunRow): Promise<void> {
    const now = this.clock().getTime();
    if (this.itemPolls.size > 10_000) this.itemPolls.clear();
    // A job whose final event is waiting is settled on the next pass: its progress is moot.
    const jobs = (await this.store.jobs(run.run_id)).filter((j) => j.state === 'RUNNING' && j.attempt_id && j.item_indices && !this.ended.has(j.job_id ?? ''));
    if (jobs.length === 0) return;
    const nodes = new Map((await this.store.nodes(run.run_id)).map((n) => [n.key, n]));
    for (const key of new Set(jobs.map((j) => j.node_key))) {
      const node = nodes.get(key);
      const pollKey = `${run.run_id}/${key}`;
      if (!node?.item_exit || node.state !== 'RUNNING' || now - (this.itemPolls.get(pollKey) ?? 0) < ITEM_POLL_MS) continue;
      this.itemPolls.set(pollKey, now);
      const exits = [...node.item_exit];
      let changed = false;
      for (const job of jobs.filter((j) => j.node_key === key)) {
        const mine = new Set(job.item_indices ?? []);
        // Progress only: a site that does not answer now is asked again on a later pass.
        const results = await this.site.itemResults(run.site, job.attempt_id as string).catch((error: unknown) => {
          if (!classifyRefusal(error)) throw error;
          return [];
        });
        for (const r of results) {
          if (mine.has(r.item) && exits[r.item] !== r.exitCode) {
            exits[r.item] = r.exitCode;
            changed = true;
          }
        }
      }
      if (changed) await this.store.updateNode(run.run_id, key, { item_exit: JSON.stringify(exits) }, this.clock());
    }
  }

  /** A run or array instance whose current jobs have all ended: success, retry or failure. */
  private async settleLeaf(run: RunRow, info: RunInfo, node: NodeRow, jobs: JobLinkRow[]): Promise<boolean> {
    const at = this.clock();
    if (!transientReady(node, at)) return false;
    if (node.retry_at) {
      if (new Date(node.retry_at) > at) return false;
      await this.launch(run, info, node, at);
      return true;
    }
    const mine = jobs.filter((j) => j.node_key === node.key && j.gen === node.gen);
    if (mine.length === 0 || mine.some((j) => !j.final)) return false;
    const step = stepOf(info.workflow, node.key);
    if (node.kind === 'run') {
      const job = mine[0] as JobLinkRow;
      if (job.state === 'COMPLETED') {
        await this.store.updateNode(run.run_id, node.key, { state: 'SUCCEEDED', reason: '', ended_at: at }, at);
      } else if (job.state === 'TIMEOUT' && step.checkpoint?.requeue && node.requeues < MAX_REQUEUES) {
        const gen = node.gen + 1;
        await this.store.updateNode(
          run.run_id,
          node.key,
          { gen, requeues: node.requeues + 1, reason: `requeued after its time limit (${node.requeues + 1} of ${MAX_REQUEUES}); resumes from ${step.checkpoint.path}` },
          at,
          runStepJobs(info, node.key, gen),
        );
        await this.submitRecorded(run);
      } else {
        await this.retryOrFail(run, node, step, describeJob(job), at);
      }
      return true;
    }
    const exits = [...(node.item_exit ?? [])];
    const durations: number[] = [];
    const facts: ItemFacts[] = [];
    for (const job of mine) {
      const indices = job.item_indices ?? [];
      const reported = new Map<number, ItemResult>();
      if (job.attempt_id) {
        const results = await this.finalItemResults(run, node, job, at);
        if (results === 'settled') return true;
        for (const r of results) {
          reported.set(r.item, r);
          if (r.exitCode === 0 && r.seconds !== undefined) durations.push(r.seconds);
        }
      }
      // A completed job ran every item to exit 0; otherwise an item with no record never
      // ran (its element hit the time limit or was cancelled).
      for (const i of indices) exits[i] = job.state === 'COMPLETED' ? 0 : (reported.get(i)?.exitCode ?? -1);
      facts.push(...itemFactsOf(job, reported));
    }
    const items = itemsEvents(node.key, facts);
    const timing = { ...(durations.length > 0 ? { item_seconds: median(durations) } : {}), ...(node.transient_tries > 0 ? TRANSIENT_CLEARED : {}) };
    const failed = exits.flatMap((code, i) => (code === 0 ? [] : [i]));
    if (failed.length === 0) {
      await this.store.updateNode(run.run_id, node.key, { state: 'SUCCEEDED', reason: '', item_exit: JSON.stringify(exits), ...timing, ended_at: at }, at, [], items);
      return true;
    }
    const shown = failed.slice(0, 10).join(', ') + (failed.length > 10 ? ', ...' : '');
    await this.store.updateNode(run.run_id, node.key, { item_exit: JSON.stringify(exits), ...timing }, at, [], items);
    await this.retryOrFail(run, { ...node, item_exit: exits }, step, `${failed.length} of ${exits.length} items failed (${shown})`, at);
    return true;
  }

  /**
   * The agent's item records of an ended array job. A completed job needs them only for
   * item times, so any refusal leaves them out. Otherwise they say which items failed: a
   * permanent refusal fails the step with the agent's reason; a transient one is retried
   * with backoff ('settled': recorded, or the budget is spent and the step failed).
   */
  private async finalItemResults(run: RunRow, node: NodeRow, job: JobLinkRow, at: Date): Promise<ItemResult[] | 'settled'> {
    try {
      // With each item's run facts (host, times, hashed outputs) for its `items` event.
      return await this.site.itemResults(run.site, job.attempt_id as string, { facts: true });
    } catch (error) {
      const refusal = classifyRefusal(error);
      if (!refusal) throw error;
      if (job.state === 'COMPLETED') return [];
      let reason = `site ${run.site} refused the item records of job ${job.job_id ?? job.request_id}: ${refusal.message}`;
      if (refusal.transient) {
        const failure = await this.transient.record(run, node, `site ${run.site}`, refusal.message, at);
        if (!failure) return 'settled';
        reason = failure;
      }
      await this.store.updateNode(run.run_id, node.key, { state: 'FAILED', reason, ended_at: at }, at);
      return 'settled';
    }
  }

  private async retryOrFail(run: RunRow, node: NodeRow, step: ParsedStep, what: string, at: Date): Promise<void> {
    const retries = step.retries ?? run.workflow.defaults?.retries;
    const max = retries?.max ?? 0;
    if (node.attempt > max) {
      await this.store.updateNode(run.run_id, node.key, { state: 'FAILED', reason: max > 0 ? `${what}; no retries left (${max})` : what, ended_at: at }, at);
      return;
    }
    const delay = Math.round((retries?.backoff ?? 0) * (retries?.factor ?? 2) ** (node.attempt - 1));
    const retryAt = new Date(at.getTime() + delay * 1000);
    const which = node.kind === 'array' ? 'the failed items' : 'the step';
    await this.store.updateNode(
      run.run_id,
      node.key,
      { attempt: node.attempt + 1, retry_at: retryAt, reason: `${what}; retrying ${which} (retry ${node.attempt} of ${max})${delay ? ` in ${delay} s` : ''}` },
      at,
    );
  }

  /** Cancel: stop every live job, end every instance, and the run once nothing runs. */
  private async cancel(run: RunRow): Promise<void> {
    const at = this.clock();
    const jobs = await this.store.jobs(run.run_id);
    for (const link of jobs.filter((j) => j.job_id && !j.final && !j.cancel_sent)) {
      try {
        await this.jobs.cancel(link.job_id as string, onBehalfOf(run));
        await this.store.updateJob(link.request_id, { cancel_sent: true });
      } catch (error) {
        const refusal = classifyRefusal(error);
        if (!refusal) throw error;
        // Not answered now: asked again on the next pass. A job the service does not know
        // will never end on its own; any other refusal leaves its state to be followed.
        if (refusal.transient) continue;
        const gone = refusal.code === 'NOT_FOUND' ? { state: 'CANCELLED' as const, final: true, reason: `cancelled with the run (${refusal.message})` } : {};
        await this.store.updateJob(link.request_id, { cancel_sent: true, ...gone });
        if (refusal.code === 'NOT_FOUND') link.final = true;
      }
    }
    const live = new Set(jobs.filter((j) => !j.final).map((j) => j.node_key));
    const nodes = await this.store.nodes(run.run_id);
    for (const node of nodes.filter((n) => !isStepFinal(n.state) && n.kind !== 'loop' && !live.has(n.key))) {
      await this.store.updateNode(run.run_id, node.key, { state: 'CANCELLED', reason: 'cancelled with the run', ended_at: at }, at);
    }
    const open = (await this.store.nodes(run.run_id)).filter((n) => !isStepFinal(n.state));
    for (const loop of open.filter((n) => n.kind === 'loop')) {
      const body = open.filter((n) => n.key.startsWith(`${loop.key}[`));
      if (body.length > 0) continue;
      await this.loops.cancelOpenIterations(run, loop.key, at);
      await this.store.updateNode(run.run_id, loop.key, { state: 'CANCELLED', reason: 'cancelled with the run', ended_at: at }, at);
    }
    if ((await this.store.nodes(run.run_id)).every((n) => isStepFinal(n.state))) {
      await this.store.finishRun(run.run_id, 'CANCELLED', 'cancelled on request', at);
      this.logger.info({ runId: run.run_id }, 'workflow cancelled');
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function jobPatch(job: JobRecord) {
  return {
    job_id: job.jobId,
    attempt_id: job.attemptId,
    state: job.state,
    exit_code: job.exitCode,
    slurm_job_id: job.slurmJobId,
    reason: job.reason,
    final: isFinal(job.state),
  };
}

/** A job's end as its final event says it: the same columns followJobs takes from the job's record (jobPatch). */
function eventPatch(event: JobEvent) {
  return { state: event.state, exit_code: event.exitCode, slurm_job_id: event.slurmJobId, reason: event.reason };
}

function describeJob(job: JobLinkRow): string {
  const exit = job.exit_code !== null ? ` with exit code ${job.exit_code}` : '';
  return `job ${job.state?.toLowerCase() ?? 'failed'}${exit}${job.reason ? ` (${job.reason})` : ''}`;
}

