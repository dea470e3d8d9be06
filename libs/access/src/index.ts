export { canCancel, canRead, canReadAudit, chooseAccount, inScope, isAdmin, listScope, memberProjects } from './access-policy';
export type { Identity, ListScope } from './access-policy';
export { LEGACY_ACCOUNT, LEGACY_OWNER } from './legacy-owner';
