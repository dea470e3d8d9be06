import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { parseOrThrow, planWorkflowCommand, subjects } from '@cairn/contracts';
import { WorkflowPlanningService } from './workflow-planning.service';

/** The scheduler's request/reply API for workflows (used by the gateway). */
@Controller()
export class WorkflowsNatsController {
  constructor(private readonly planning: WorkflowPlanningService) {}

  @MessagePattern(subjects.scheduler.planWorkflow)
  async plan(@Payload() payload: unknown) {
    return { plan: await this.planning.plan(parseOrThrow(planWorkflowCommand, payload)) };
  }
}
