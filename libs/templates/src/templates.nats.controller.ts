import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { listTemplatesQuery, parseOrThrow, publishTemplateCommand, runTemplateCommand, subjects, templateNameQuery } from '@cairn/contracts';
import { TemplateService } from './template.service';

/** The scheduler's request/reply API for workflow templates (used by the gateway's TemplateService). */
@Controller()
export class TemplatesNatsController {
  constructor(private readonly templates: TemplateService) {}

  @MessagePattern(subjects.scheduler.listTemplates)
  list(@Payload() payload: unknown) {
    return this.templates.list(parseOrThrow(listTemplatesQuery, payload));
  }

  @MessagePattern(subjects.scheduler.getTemplate)
  async get(@Payload() payload: unknown) {
    return { template: await this.templates.get(parseOrThrow(templateNameQuery, payload)) };
  }

  @MessagePattern(subjects.scheduler.publishTemplate)
  async publish(@Payload() payload: unknown) {
    return { template: await this.templates.publish(parseOrThrow(publishTemplateCommand, payload)) };
  }

  @MessagePattern(subjects.scheduler.deleteTemplate)
  delete(@Payload() payload: unknown) {
    return this.templates.delete(parseOrThrow(templateNameQuery, payload));
  }

  @MessagePattern(subjects.scheduler.runTemplate)
  run(@Payload() payload: unknown) {
    return this.templates.run(parseOrThrow(runTemplateCommand, payload));
  }
}
