import { engineRetrySettings, intIn, setting } from '@cairn/config';
import type { TransientRetryPolicy } from './transient-retries';

/** The workflow engine's settings: docs/configuration.md, "scheduler". */
export const workflowsSettings = {
  ...engineRetrySettings,
  engineIntervalMs: setting('CAIRN_ENGINE_INTERVAL_MS', intIn(50, 60_000, 1000), 'how often the workflow engine looks at running workflows (job events wake it sooner)'),
};

/** The engine's retry policy from its settings. */
export function retryPolicyOf(config: { engineRetryFirstMs: number; engineRetryMaxMs: number; engineUnreachableSeconds: number }): TransientRetryPolicy {
  return { firstDelayMs: config.engineRetryFirstMs, maxDelayMs: config.engineRetryMaxMs, budgetMs: config.engineUnreachableSeconds * 1000 };
}
