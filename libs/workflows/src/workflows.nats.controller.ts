import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  listWorkflowsQuery,
  parseOrThrow,
  planWorkflowCommand,
  subjects,
  submitWorkflowCommand,
  usageQuery,
  workflowIdQuery,
} from '@cairn/contracts';
import { WorkflowPlanningService } from './workflow-planning.service';
import { WorkflowRunService } from './workflow-run.service';

/** The scheduler's request/reply API for workflows (used by the gateway). */
@Controller()
export class WorkflowsNatsController {
  constructor(
    private readonly planning: WorkflowPlanningService,
    private readonly runs: WorkflowRunService,
  ) {}

  @MessagePattern(subjects.scheduler.planWorkflow)
  async plan(@Payload() payload: unknown) {
    return { plan: await this.planning.plan(parseOrThrow(planWorkflowCommand, payload)) };
  }

  @MessagePattern(subjects.scheduler.submitWorkflow)
  submit(@Payload() payload: unknown) {
    return this.runs.submit(parseOrThrow(submitWorkflowCommand, payload));
  }

  @MessagePattern(subjects.scheduler.getWorkflow)
  async get(@Payload() payload: unknown) {
    const query = parseOrThrow(workflowIdQuery, payload);
    return { workflow: await this.runs.get(query.runId, query) };
  }

  @MessagePattern(subjects.scheduler.listWorkflows)
  list(@Payload() payload: unknown) {
    return this.runs.list(parseOrThrow(listWorkflowsQuery, payload));
  }

  @MessagePattern(subjects.scheduler.workflowUsage)
  usage(@Payload() payload: unknown) {
    return this.runs.usage(parseOrThrow(usageQuery, payload));
  }

  @MessagePattern(subjects.scheduler.cancelWorkflow)
  async cancel(@Payload() payload: unknown) {
    const query = parseOrThrow(workflowIdQuery, payload);
    return { workflow: await this.runs.cancel(query.runId, query) };
  }
}
