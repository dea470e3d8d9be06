import { followLive, JetStreamRepository, type NatsConnection, NatsRequester, onRunWrite, WorkflowsClient } from '@cairn/adapters/nats';
import { streams, workflowEventSchema } from '@cairn/contracts';
import type { Door, GrpcBinding, WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { WorkflowReadMemory } from './workflow-read-memory';
import { WorkflowsGrpcController } from './workflows.grpc.controller';

export interface WorkflowsApiOptions {
  nats: NatsConnection;
  logger: Logger;
  defaultSite: string;
  /** Caps the watch streams; share one between the services of a gateway. */
  watchLimiter: WatchLimiter;
  /** Lets in only authenticated, mapped callers; share one between the services of a gateway. */
  door: Door;
  /** Keep the read memory (default true); false sends every GetWorkflow and ListWorkflows to the scheduler (benchmarks compare both). */
  readMemory?: boolean;
}

/**
 * cairn.v1.WorkflowService, served from the scheduler over NATS; GetWorkflow and
 * ListWorkflows from what the scheduler gave while no run changed since (fed by
 * CAIRN_WORKFLOW_EVENTS for the connection's lifetime, ADR 0019).
 */
export function workflowsBinding(options: WorkflowsApiOptions): GrpcBinding {
  const jetstream = new JetStreamRepository(options.nats);
  const memory = options.readMemory === false ? undefined : new WorkflowReadMemory();
  if (memory) {
    // Runs created or cancelled by any binding of this process (WorkflowService, TemplateService, ProvenanceService.Rerun).
    onRunWrite((runId) => memory.changed(runId));
    followLive(
      memory,
      {
        subject: streams.workflowEvents.subjects[0] ?? 'cairn.workflows.events.>',
        parse: (raw) => {
          const event = workflowEventSchema.safeParse(raw);
          if (!event.success) throw new Error(`unreadable workflow event: ${event.error.issues[0]?.message ?? 'invalid'}`);
          return event.data;
        },
        following: 'read memory: following the workflow events; GetWorkflow and ListWorkflows are answered from memory when they can',
        stopped: 'read memory: workflow events stopped; workflow reads go to the scheduler until they resume',
      },
      options.nats,
      jetstream,
      options.logger.child({ context: 'WorkflowReadMemory' }),
    );
  }
  return new WorkflowsGrpcController(
    new WorkflowsClient(new NatsRequester(options.nats)),
    jetstream,
    options.defaultSite,
    options.logger.child({ context: 'WorkflowsGrpcController' }),
    options.watchLimiter,
    options.door,
    memory,
  ).binding();
}
