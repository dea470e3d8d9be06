import { pb, type Principal, type WorkflowPlan, type WorkflowRecord } from '@cairn/contracts';
import { type Door, type GrpcBinding, type GrpcHandlers, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { toListTemplatesQuery, toPbTemplate, toRunTemplateCommand, toTemplateDraft } from './template.mapper';
import type { TemplatesClient } from './templates.client';

/** How a run's reply reads in protobuf: the workflow service's own mappers (its plan and run), handed in by the gateway. */
export interface RunReplyMappers {
  plan(plan: WorkflowPlan): pb.WorkflowPlan;
  workflow(record: WorkflowRecord): pb.Workflow;
}

/** Binds cairn.v1.TemplateService: translate, delegate to the scheduler (which applies the access policy and audits), translate back. */
export class TemplatesGrpcController {
  private readonly handlers: GrpcHandlers;

  constructor(
    private readonly scheduler: TemplatesClient,
    private readonly defaultSite: string,
    private readonly mappers: RunReplyMappers,
    logger: Logger,
    watchLimiter: WatchLimiter,
    door: Door,
  ) {
    this.handlers = grpcHandlers(logger, watchLimiter, door);
  }

  binding(): GrpcBinding {
    const implementation: pb.TemplateServiceServer = {
      listTemplates: this.handlers.unary(async (request: pb.ListTemplatesRequest, caller: Principal, peer: string): Promise<pb.ListTemplatesResponse> => {
        const page = await this.scheduler.list({ ...toListTemplatesQuery(request), caller, peer });
        return { templates: page.templates.map(toPbTemplate), nextPageToken: page.nextPageToken };
      }),
      getTemplate: this.handlers.unary(async (request: pb.GetTemplateRequest, caller: Principal, peer: string): Promise<pb.GetTemplateResponse> => ({
        template: toPbTemplate(await this.scheduler.get({ name: request.name, caller, peer })),
      })),
      publishTemplate: this.handlers.unary(async (request: pb.PublishTemplateRequest, caller: Principal, peer: string): Promise<pb.PublishTemplateResponse> => ({
        template: toPbTemplate(await this.scheduler.publish({ template: toTemplateDraft(request), caller, peer })),
      })),
      deleteTemplate: this.handlers.unary(async (request: pb.DeleteTemplateRequest, caller: Principal, peer: string): Promise<pb.DeleteTemplateResponse> => {
        await this.scheduler.delete({ name: request.name, caller, peer });
        return {};
      }),
      runTemplate: this.handlers.unary(async (request: pb.RunTemplateRequest, caller: Principal, peer: string): Promise<pb.RunTemplateResponse> => {
        const reply = await this.scheduler.run({ ...toRunTemplateCommand(request, this.defaultSite), caller, peer });
        return { plan: this.mappers.plan(reply.plan), workflow: reply.workflow ? this.mappers.workflow(reply.workflow) : undefined };
      }),
    };
    return { name: 'cairn.v1.TemplateService', definition: pb.TemplateServiceService, implementation };
  }
}
