export { workflowsBinding } from './workflows-binding';
export type { WorkflowsApiOptions } from './workflows-binding';
export { toPbPlan, toPlanCommand } from './workflow-plan.mapper';
export { toPbWorkflow } from './workflow.mapper';
export { runsPageThrough, runThrough, WorkflowReadMemory, WORKFLOW_MEMORY_CONFIRM_MS, WORKFLOW_MEMORY_MAX_CHARS, WORKFLOW_MEMORY_MAX_ENTRIES } from './workflow-read-memory';
export type { RunsPage, RunsPageQuery, WorkflowMark } from './workflow-read-memory';
