import { CairnError, pb, planWorkflowReply, subjects } from '@cairn/contracts';
import { type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import { type GrpcBinding, unary } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { toPbPlan, toPlanCommand } from './workflow-plan.mapper';

export interface WorkflowsApiOptions {
  nats: NatsConnection;
  logger: Logger;
  defaultSite: string;
}

/** cairn.v1.WorkflowService: translate, ask the scheduler, translate back. */
export function workflowsBinding(options: WorkflowsApiOptions): GrpcBinding {
  const requester = new NatsRequester(options.nats);
  const logger = options.logger.child({ context: 'WorkflowsGrpcController' });
  const implementation: pb.WorkflowServiceServer = {
    submitWorkflow: unary(async (request: pb.SubmitWorkflowRequest): Promise<pb.SubmitWorkflowResponse> => {
      const command = toPlanCommand(request, options.defaultSite);
      if (!request.dryRun) {
        throw new CairnError('UNIMPLEMENTED', 'running workflows is not available yet: submit with dry_run to check and plan');
      }
      const { plan } = await requester.request(subjects.scheduler.planWorkflow, command, planWorkflowReply, 30_000);
      return { plan: toPbPlan(plan) };
    }, logger),
  };
  return { name: 'cairn.v1.WorkflowService', definition: pb.WorkflowServiceService, implementation };
}
