export { AuditModule } from './audit.module';
export type { AuditModuleOptions } from './audit.module';
export { AuditLogService } from './audit-log.service';
