export { auditBinding, auditSink } from './audit-binding';
export type { AuditApiOptions } from './audit-binding';
export { JetStreamAuditSink } from './jetstream-audit-sink';
