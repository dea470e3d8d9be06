export { WorkflowsModule, workflowRunsInfo } from './workflows.module';
export type { WorkflowsModuleOptions } from './workflows.module';
export type { WorkflowDb } from './workflow.tables';
export { workflowMigrations } from './migrations';
export { retryPolicyOf, workflowsSettings } from './workflows-settings';
