export { SiteAgentModule, installWrappers } from './site-agent.module';
export type { SiteAgentOptions } from './site-agent.module';
export { agentSubject } from './agent.nats.controller';
export { renderBatchScript, encodeArgv, WRAPPER_SCRIPT } from './batch-script';
export { AttemptStore } from './attempt-store';
export { slurmJobName } from './attempt-submitter';
export { ARRAY_WRAPPER_SCRIPT, encodeElement, parseItemRecords } from './array-element';
export type { ElementItem, ItemRecord } from './array-element';
export { JOB_ENV_NAMES } from './job-environment';
