export { PlanError, planWorkflow } from './workflow-plan';
export { rangeItems } from './array-plan';
export { iterationScope, nodeKey, outputLocation, parentScope, RenderError, renderValue, RUN_MOUNT, scopeNodes, scopeSteps, stepOf } from './run-layout';
export { arrayStepJobs, runStepJobs } from './step-jobs';
export type { RunInfo, StepJob } from './step-jobs';
export { checkRunnable } from './runnable-check';
export { checkPlanSize } from './plan-size';
