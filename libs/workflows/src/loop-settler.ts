import { describeControl, replaceControls } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { ConditionError, evaluateCondition, findReferences, parseCondition } from '@cairn/workflow-language';
import { classifyRefusal, orRenderError, type SitePort } from './engine-ports';
import { iterationScope, outputLocation, RenderError, scopeNodes, scopeSteps, stepOf } from '@cairn/workflow-planner';
import { TRANSIENT_CLEARED, type TransientRetries, transientReady } from './transient-retries';
import type { NodeRow, RunRow, WorkflowStore } from './workflow.store';

const METRICS_MAX_BYTES = 256 * 1024;
const DECISION_MAX_BYTES = 64 * 1024;

/**
 * Loops: starts iterations, and when an iteration's steps have all ended, reads the
 * metrics JSON and the decide step's decision from the run's directory, records them,
 * and either stops the loop (its condition holds, or a budget ran out) or starts the next
 * iteration.
 */
export class LoopSettler {
  constructor(
    private readonly store: WorkflowStore,
    private readonly site: SitePort,
    private readonly logger: Logger,
    private readonly clock: () => Date,
    private readonly transient: TransientRetries,
  ) {}

  async startIteration(run: RunRow, loopKey: string, iteration: number): Promise<void> {
    const nodes = scopeNodes(run.workflow, iterationScope(loopKey, iteration));
    await this.store.startIteration(run.run_id, loopKey, iteration, nodes, this.clock());
  }

  /** True when the loop's state or iteration changed. */
  async settle(run: RunRow, loop: NodeRow, nodes: NodeRow[]): Promise<boolean> {
    if (!transientReady(loop, this.clock())) return false;
    const iteration = Math.max(0, ...nodes.filter((n) => n.key.startsWith(`${loop.key}[`) && n.scope.startsWith(`${loop.key}[`)).map((n) => iterationOf(loop.key, n.scope)));
    if (iteration === 0) {
      await this.startIteration(run, loop.key, 1);
      return true;
    }
    const scope = iterationScope(loop.key, iteration);
    const body = nodes.filter((n) => n.scope === scope);
    if (body.some((n) => n.state === 'WAITING' || n.state === 'RUNNING')) return false;
    const at = this.clock();
    const broken = body.find((n) => n.state !== 'SUCCEEDED');
    if (broken) {
      await this.store.updateIteration(run.run_id, loop.key, iteration, { state: 'FAILED', ended_at: at }, at);
      await this.fail(run, loop, `iteration ${iteration}: step ${broken.key} ${broken.state.toLowerCase()}${broken.reason ? ` (${broken.reason})` : ''}`, at);
      return true;
    }
    const spec = stepOf(run.workflow, loop.key).loop;
    if (!spec) throw new RenderError(`step ${loop.key} is not a loop`);
    let metrics: Record<string, unknown> = {};
    let decision = '';
    try {
      if (spec.metrics) metrics = await this.readMetrics(run, scope, spec.metrics);
      decision = await this.readDecision(run, scope);
    } catch (error) {
      // Permanent refusals arrive as RenderErrors; a site that does not answer is asked again.
      const refusal = error instanceof RenderError ? undefined : classifyRefusal(error);
      if (!(error instanceof RenderError) && !refusal?.transient) throw error;
      let reason = error instanceof RenderError ? error.message : '';
      if (refusal) {
        const failure = await this.transient.record(run, loop, `site ${run.site}`, refusal.message, at);
        if (!failure) return true;
        reason = failure;
      }
      await this.store.updateIteration(run.run_id, loop.key, iteration, { state: 'FAILED', ended_at: at }, at);
      await this.fail(run, loop, `iteration ${iteration}: ${reason}`, at);
      return true;
    }
    const cleared = loop.transient_tries > 0 ? TRANSIENT_CLEARED : {};
    let stop = '';
    try {
      if (spec.until && evaluateCondition(parseCondition(spec.until), metrics)) stop = 'condition';
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      await this.store.updateIteration(run.run_id, loop.key, iteration, { state: 'FAILED', metrics: JSON.stringify(flatten(metrics)), decision, ended_at: at }, at);
      await this.fail(run, loop, `iteration ${iteration}: until "${spec.until}": ${error.message}`, at);
      return true;
    }
    const elapsed = (at.getTime() - new Date(loop.started_at ?? at).getTime()) / 1000;
    if (!stop && iteration >= spec.maxIterations) stop = 'max-iterations';
    if (!stop && spec.maxWallTime !== undefined && elapsed >= spec.maxWallTime) stop = 'max-wall-time';
    await this.store.updateIteration(run.run_id, loop.key, iteration, { state: 'SUCCEEDED', metrics: JSON.stringify(flatten(metrics)), decision, stop, ended_at: at }, at);
    if (stop) {
      const why = stop === 'condition' ? `"${spec.until}" held` : stop === 'max-iterations' ? `maxIterations (${spec.maxIterations}) reached` : `maxWallTime (${spec.maxWallTime} s) reached`;
      await this.store.updateNode(run.run_id, loop.key, { state: 'SUCCEEDED', reason: `stopped after iteration ${iteration}: ${why}`, ...cleared, ended_at: at }, at);
      this.logger.info({ runId: run.run_id, loop: loop.key, iteration, stop }, 'loop ended');
    } else {
      await this.store.updateNode(run.run_id, loop.key, { attempt: iteration + 1, ...cleared, ...(loop.transient_tries > 0 ? { reason: '' } : {}) }, at);
      await this.startIteration(run, loop.key, iteration + 1);
    }
    return true;
  }

  async cancelOpenIterations(run: RunRow, loopKey: string, at: Date): Promise<void> {
    for (const it of (await this.store.iterations(run.run_id)).filter((i) => i.loop_key === loopKey && i.state === 'RUNNING')) {
      await this.store.updateIteration(run.run_id, loopKey, it.iteration, { state: 'CANCELLED', ended_at: at }, at);
    }
  }

  private async fail(run: RunRow, loop: NodeRow, reason: string, at: Date): Promise<void> {
    await this.store.updateNode(run.run_id, loop.key, { state: 'FAILED', reason, ended_at: at }, at);
  }

  private async readMetrics(run: RunRow, scope: string, reference: string): Promise<Record<string, unknown>> {
    const ref = findReferences(reference)[0]?.reference;
    if (ref?.kind !== 'output') throw new RenderError('metrics must name a step output');
    const location = outputLocation(run.workflow, scope, '', ref.step, ref.output);
    const file = await orRenderError(`the metrics file ${location.path}`, () => this.site.readRunFile(run.site, run.run_id, location.path, METRICS_MAX_BYTES));
    if (!file.exists) throw new RenderError(`the metrics file ${location.path} was not written by step ${location.key}`);
    if (file.truncated) throw new RenderError(`the metrics file ${location.path} is larger than ${METRICS_MAX_BYTES} bytes`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(file.data.toString('utf8'));
    } catch (error) {
      throw new RenderError(`the metrics file ${location.path} is not JSON (${(error as Error).message})`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new RenderError(`the metrics file ${location.path} must hold a JSON object`);
    return parsed as Record<string, unknown>;
  }

  /** The decide step's `next` output of this iteration, as written (empty if none). */
  private async readDecision(run: RunRow, scope: string): Promise<string> {
    const body = scopeSteps(run.workflow, scope);
    const decide = Object.entries(body).find(([, step]) => step.decide && step.outputs?.next !== undefined);
    if (!decide) return '';
    const location = outputLocation(run.workflow, scope, decide[0], decide[0], 'next');
    const file = await orRenderError(`the decision ${location.path}`, () => this.site.readRunFile(run.site, run.run_id, location.path, DECISION_MAX_BYTES));
    if (!file.exists) throw new RenderError(`the decide step ${location.key} did not write ${location.path}`);
    // Recorded as text: a control character the job wrote (a NUL) is shown as U+FFFD.
    return replaceControls(file.data.toString('utf8'), '\t\n\r') + (file.truncated ? '\n[truncated]' : '');
  }
}

function iterationOf(loopKey: string, scope: string): number {
  const match = new RegExp(`^${loopKey.replace(/[[\].]/g, '\\$&')}\\[(\\d+)\\]$`).exec(scope);
  return match ? Number(match[1]) : 0;
}

/**
 * Numbers of a metrics object, nested names joined with "." (at most 200), as they are
 * recorded: names of at most 128 characters without control characters, at most 16 levels
 * deep. (A job writes the file: what is recorded must fit the database and a terminal.)
 */
export function flatten(metrics: Record<string, unknown>, prefix = '', out: Record<string, number> = Object.create(null) as Record<string, number>, depth = 0): Record<string, number> {
  for (const [name, value] of Object.entries(metrics)) {
    if (Object.keys(out).length >= 200) break;
    const key = prefix ? `${prefix}.${name}` : name;
    if (key.length > 128 || describeControl(key) !== undefined) continue;
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
    else if (value && typeof value === 'object' && !Array.isArray(value) && depth < 16) flatten(value as Record<string, unknown>, key, out, depth + 1);
  }
  return out;
}
