export { workflowsBinding } from './workflows-binding';
export type { WorkflowsApiOptions } from './workflows-binding';
export { toPbPlan, toPlanCommand } from './workflow-plan.mapper';
export { toPbWorkflow } from './workflow.mapper';
