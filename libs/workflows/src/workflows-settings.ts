import { engineRetrySettings, intIn, setting } from '@cairn/config';
import type { TransientRetryPolicy } from './transient-retries';

/** The workflow engine's settings: docs/configuration.md, "scheduler". */
export const workflowsSettings = {
  ...engineRetrySettings,
  engineIntervalMs: setting('CAIRN_ENGINE_INTERVAL_MS', intIn(50, 60_000, 1000), 'how often the workflow engine looks at running workflows (job events wake it sooner)'),
  maxRunningWorkflowsPerPerson: setting('CAIRN_MAX_RUNNING_WORKFLOWS_PER_PERSON', intIn(1, 100_000, 100), 'most workflow runs one person may have running'),
  maxRunningWorkflowsPerProject: setting('CAIRN_MAX_RUNNING_WORKFLOWS_PER_PROJECT', intIn(1, 1_000_000, 500), 'most workflow runs one project (Slurm account) may have running'),
};

/** The engine's retry policy from its settings. */
export function retryPolicyOf(config: { engineRetryFirstMs: number; engineRetryMaxMs: number; engineUnreachableSeconds: number }): TransientRetryPolicy {
  return { firstDelayMs: config.engineRetryFirstMs, maxDelayMs: config.engineRetryMaxMs, budgetMs: config.engineUnreachableSeconds * 1000 };
}
