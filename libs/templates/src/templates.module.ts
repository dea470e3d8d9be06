import { type DynamicModule, Module } from '@nestjs/common';
import { type NatsConnection, NatsRequester, WorkflowsClient } from '@cairn/adapters/nats';
import type { Kysely } from '@cairn/adapters/postgres';
import type { Logger } from '@cairn/logging';
import { TemplateService } from './template.service';
import { TemplateStore } from './template.store';
import type { TemplateDb } from './template.tables';
import { TemplatesNatsController } from './templates.nats.controller';

export interface TemplatesModuleOptions {
  db: Kysely<TemplateDb>;
  nats: NatsConnection;
  logger: Logger;
}

/** The scheduler's workflow templates: stored in its schema, run through its workflow service over NATS. */
@Module({})
export class TemplatesModule {
  static register(options: TemplatesModuleOptions): DynamicModule {
    const templates = new TemplateService(new TemplateStore(options.db), new WorkflowsClient(new NatsRequester(options.nats)), options.logger.child({ context: 'TemplateService' }));
    return {
      module: TemplatesModule,
      controllers: [TemplatesNatsController],
      providers: [{ provide: TemplateService, useValue: templates }],
    };
  }
}
