import type { MigrationSet } from '@cairn/adapters/postgres';
import { m0001AuditEvents } from './0001-audit-events';

/** The audit log's migrations (a table in the scheduler's schema), recorded in their own table. */
export const auditMigrations: MigrationSet = {
  table: 'audit_migrations',
  migrations: { '0001-audit-events': m0001AuditEvents },
};
