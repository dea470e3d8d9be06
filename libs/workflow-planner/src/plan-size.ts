import { CairnError, type WorkflowPlan } from '@cairn/contracts';

/**
 * The largest plan a dry run returns and a run keeps (JSON bytes): it travels in one NATS
 * message, and again inside GetWorkflow's reply beside the run's steps.
 */
export const MAX_PLAN_BYTES = 256 * 1024;

/** Refuses a plan too large to answer or store, saying what makes it large. */
export function checkPlanSize(plan: WorkflowPlan, fileName: string): void {
  const bytes = Buffer.byteLength(JSON.stringify(plan));
  if (bytes <= MAX_PLAN_BYTES) return;
  throw new CairnError(
    'RESOURCE_EXHAUSTED',
    `${fileName}: the plan is ${bytes} bytes (${plan.slurmJobs} Slurm jobs in ${plan.steps.length} top-level steps); at most ${MAX_PLAN_BYTES} bytes (256 KiB): ` +
      'use fewer steps, or fewer array jobs per step (a larger array.targetDuration packs more items per element)',
  );
}
