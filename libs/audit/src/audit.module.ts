import { type DynamicModule, Module } from '@nestjs/common';
import { JetStreamRepository, type NatsConnection } from '@cairn/adapters/nats';
import type { Kysely } from '@cairn/adapters/postgres';
import { type AuditDb, AuditStore } from '@cairn/audit-log';
import type { Logger } from '@cairn/logging';
import { AuditLogService } from './audit-log.service';
import { AuditNatsController } from './audit.nats.controller';
import { AuditRuntime } from './audit-runtime';

export interface AuditModuleOptions {
  db: Kysely<AuditDb>;
  nats: NatsConnection;
  logger: Logger;
}

/** The scheduler's audit log: reads for admins, and the door's denials from stream CAIRN_AUDIT. */
@Module({})
export class AuditModule {
  static register(options: AuditModuleOptions): DynamicModule {
    const audit = new AuditLogService(new AuditStore(options.db));
    return {
      module: AuditModule,
      controllers: [AuditNatsController],
      providers: [
        { provide: AuditLogService, useValue: audit },
        { provide: AuditRuntime, useValue: new AuditRuntime(new JetStreamRepository(options.nats), audit, options.logger.child({ context: 'AuditRuntime' })) },
      ],
    };
  }
}
