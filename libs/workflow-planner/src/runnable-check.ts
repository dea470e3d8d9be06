import { jobSpecSchema, formatIssues, type WorkflowPlan } from '@cairn/contracts';
import { iterationScope, nodeKey, RenderError } from './run-layout';
import { baseSpec } from './step-jobs';
import type { ParsedStep, ParsedWorkflow } from '@cairn/workflow-language';

const PLACEHOLDER_RUN = '00000000-0000-4000-8000-000000000000';

/**
 * What the engine would refuse later, found at submission instead: every step's job spec
 * is rendered (as for the first iteration of its loops) and validated as a job, so a bad
 * reference, a reserved variable name or an over-long argument refuses the whole file and
 * nothing is submitted.
 */
export function checkRunnable(workflow: ParsedWorkflow, plan: WorkflowPlan): string[] {
  const problems: string[] = [];
  const visit = (steps: Record<string, ParsedStep>, scope: string, at: string) => {
    for (const [name, step] of Object.entries(steps)) {
      const path = `${at}${name}`;
      if (step.loop) {
        visit(step.loop.steps, iterationScope(nodeKey(scope, name), 1), `${path}.loop.steps.`);
        continue;
      }
      try {
        const spec = baseSpec({ runId: PLACEHOLDER_RUN, site: plan.site, workflow, plan }, nodeKey(scope, name));
        const parsed = jobSpecSchema.safeParse(spec);
        if (!parsed.success) problems.push(`steps.${path}: ${formatIssues(parsed.error.issues)}`);
      } catch (error) {
        if (!(error instanceof RenderError)) throw error;
        problems.push(`steps.${path}: ${error.message}`);
      }
    }
  };
  visit(workflow.steps, '', '');
  return problems;
}
