import { type DynamicModule, Module } from '@nestjs/common';
import { type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import { WorkflowPlanningService } from './workflow-planning.service';
import { WorkflowsNatsController } from './workflows.nats.controller';

export interface WorkflowsModuleOptions {
  nats: NatsConnection;
  sites: readonly string[];
}

/** The scheduler's workflow capability: so far, checking and planning workflows. */
@Module({})
export class WorkflowsModule {
  static register(options: WorkflowsModuleOptions): DynamicModule {
    return {
      module: WorkflowsModule,
      controllers: [WorkflowsNatsController],
      providers: [{ provide: WorkflowPlanningService, useValue: new WorkflowPlanningService(new NatsRequester(options.nats), options.sites) }],
    };
  }
}
