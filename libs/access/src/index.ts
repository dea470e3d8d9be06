export { canCancel, canRead, canReadAudit, chooseAccount, inScope, isAdmin, listScope, memberProjects, scopedKey } from './access-policy';
export type { Identity, ListScope } from './access-policy';
export { LEGACY_ACCOUNT, LEGACY_OWNER } from './legacy-owner';
export { checkRunLimits, DEFAULT_RUN_LIMITS, RUN_LIMIT_SETTINGS, runUsage } from './run-limits';
export type { RunLimits } from './run-limits';
