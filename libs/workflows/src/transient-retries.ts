import type { Logger } from '@cairn/logging';
import type { NodeRow, RunRow, WorkflowStore } from './workflow.store';

/**
 * How the engine retries a call that a site's agent (or the job service) did not answer:
 * after `firstDelayMs`, then twice as long each time up to `maxDelayMs`, for at most
 * `budgetMs` from the first failed try; then the step fails.
 */
export interface TransientRetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  budgetMs: number;
}

export const DEFAULT_TRANSIENT_RETRY: TransientRetryPolicy = { firstDelayMs: 1000, maxDelayMs: 60_000, budgetMs: 15 * 60_000 };

/** The node columns that say no call is failing (set on every success after a failure). */
export const TRANSIENT_CLEARED = { transient_tries: 0, transient_since: null, transient_retry_at: null } as const;

/** What to do after a transient refusal: retry at `retryAt`, or fail with `failure`. */
export type TransientOutcome = { retryAt: Date; tries: number; since: Date } | { failure: string };

/** Pure: the next try after a transient refusal, or the failure once the budget is spent. */
export function nextTransientTry(policy: TransientRetryPolicy, node: Pick<NodeRow, 'transient_tries' | 'transient_since'>, target: string, reason: string, at: Date): TransientOutcome {
  const tries = node.transient_tries + 1;
  const since = node.transient_since ? new Date(node.transient_since) : at;
  const end = since.getTime() + policy.budgetMs;
  if (at.getTime() >= end) {
    const seconds = Math.round((at.getTime() - since.getTime()) / 1000);
    return { failure: `${target} unreachable for ${seconds} s (${tries} ${tries === 1 ? 'try' : 'tries'}): ${reason}` };
  }
  const delay = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.min(tries - 1, 30));
  // The last try falls on the budget's end, so the step fails about `budgetMs` after the first.
  return { retryAt: new Date(Math.min(at.getTime() + delay, end)), tries, since };
}

/** Whether the node may call its site again (no backoff pending). */
export function transientReady(node: Pick<NodeRow, 'transient_retry_at'>, at: Date): boolean {
  return !node.transient_retry_at || new Date(node.transient_retry_at) <= at;
}

/**
 * Records transient refusals on the step instance that made the call (durably: a
 * restarted scheduler keeps the count, the first failure and the next try).
 */
export class TransientRetries {
  constructor(
    private readonly store: WorkflowStore,
    readonly policy: TransientRetryPolicy,
    private readonly logger: Logger,
  ) {}

  /**
   * Records that `target` did not answer a call of `node`. Returns the failure reason once
   * the budget is spent (the caller fails the instance); undefined when a retry is recorded.
   */
  async record(run: RunRow, node: NodeRow, target: string, reason: string, at: Date): Promise<string | undefined> {
    const outcome = nextTransientTry(this.policy, node, target, reason, at);
    if ('failure' in outcome) {
      this.logger.warn({ runId: run.run_id, step: node.key, reason: outcome.failure }, 'giving up on a site that does not answer');
      return outcome.failure;
    }
    const inSeconds = Math.max(0, Math.round((outcome.retryAt.getTime() - at.getTime()) / 1000));
    this.logger.info({ runId: run.run_id, step: node.key, tries: outcome.tries, reason }, 'site did not answer; will try again');
    await this.store.updateNode(
      run.run_id,
      node.key,
      {
        transient_tries: outcome.tries,
        transient_since: outcome.since,
        transient_retry_at: outcome.retryAt,
        reason: `${target} did not answer (try ${outcome.tries}; next in ${inSeconds} s): ${reason}`,
      },
      at,
    );
    return undefined;
  }
}
