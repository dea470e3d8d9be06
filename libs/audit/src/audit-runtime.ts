import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { consumers, doorAuditEventSchema, excerpt, streams } from '@cairn/contracts';
import type { JetStreamRepository } from '@cairn/adapters/nats';
import type { Logger } from '@cairn/logging';
import type { AuditLogService } from './audit-log.service';

/**
 * Keeps the door's denials durably: creates stream CAIRN_AUDIT (the gateway publishes to
 * it, acknowledged) and consumes it with a durable consumer into the audit table, once per
 * event id; a message that fails is redelivered, a malformed one dropped with a warning.
 */
export class AuditRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  private stopConsumer?: () => Promise<void>;

  constructor(
    private readonly jetstream: JetStreamRepository,
    private readonly audit: AuditLogService,
    private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jetstream.ensureStream(streams.audit);
    this.stopConsumer = await this.jetstream.consumeDurable(
      streams.audit.name,
      consumers.schedulerAudit,
      async (subject, data) => {
        const parsed = doorAuditEventSchema.safeParse(data);
        if (!parsed.success) {
          this.logger.warn({ subject: excerpt(subject), issues: parsed.error.issues.slice(0, 5).map((i) => ({ code: i.code, path: excerpt(i.path.join('.')) })) }, 'malformed audit event dropped');
          return;
        }
        await this.audit.recordDoorEvent(parsed.data);
      },
      (error) => this.logger.error({ err: error }, 'audit event not recorded; will be redelivered'),
      (subject, error) => this.logger.warn({ subject: excerpt(subject), err: (error as Error).message }, 'audit event that is not JSON dropped'),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.stopConsumer?.();
  }
}
