import type { PlanWorkflowCommand, WorkflowPlan, WorkflowRecord } from '@cairn/contracts';

/**
 * The workflow service's submit path as a template run uses it: the same NATS commands
 * the gateway's SubmitWorkflow sends (WorkflowsClient of @cairn/adapters/nats), so a
 * template run is checked, planned, limited, charged and audited exactly like any other.
 */
export interface WorkflowSubmitter {
  plan(command: PlanWorkflowCommand): Promise<WorkflowPlan>;
  submit(command: PlanWorkflowCommand, requestId?: string, account?: string): Promise<{ plan: WorkflowPlan; workflow: WorkflowRecord }>;
}
