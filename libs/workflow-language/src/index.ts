export { MAX_STEP_ITEMS, workflowSchema } from './workflow.schema';
export type { ParsedResources, ParsedStep, ParsedWorkflow } from './workflow.schema';
export { MAX_WORKFLOW_BYTES, parseWorkflow } from './parse-workflow';
export { MAX_LISTED_PROBLEMS, WorkflowError } from './workflow.errors';
export { dependencies, topologicalOrder } from './workflow-graph';
export { ConditionError, evaluateCondition, parseCondition } from './condition';
export { findReferences, parseReference, replaceTemplates } from './templates';
export { durationSeconds, memoryMiB, notADuration, notAMemorySize } from './quantities';
