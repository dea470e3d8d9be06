import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { listAuditQuery, parseOrThrow, subjects } from '@cairn/contracts';
import { AuditLogService } from './audit-log.service';

/** The scheduler's request/reply API for the audit log (used by the gateway's AuditService). */
@Controller()
export class AuditNatsController {
  constructor(private readonly audit: AuditLogService) {}

  @MessagePattern(subjects.scheduler.listAudit)
  list(@Payload() payload: unknown) {
    return this.audit.list(parseOrThrow(listAuditQuery, payload));
  }
}
