export { auditRow, toAuditRecord } from './audit-row';
export type { AuditEntry, AuditWho } from './audit-row';
export { AuditStore } from './audit.store';
export type { AuditDb, AuditEventsTable } from './audit.tables';
export { auditMigrations } from './migrations';
export { refusalsAudited } from './refusals-audited';
export type { AuditOf } from './refusals-audited';
