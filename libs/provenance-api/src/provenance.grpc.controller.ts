import { pb, type PlanWorkflowCommand, type Principal, RPC, type WorkflowPlan, type WorkflowRecord } from '@cairn/contracts';
import { type Door, type GrpcBinding, type GrpcHandlers, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import type { ProvenanceQueries } from './provenance.client';
import { toLineageQuery, toPbLineage, toPbRunProvenance, toRunProvenanceQuery } from './provenance.mapper';
import { rerunAccount, rerunCommand, toRerunAsk } from './rerun';
import { exportRun, type RunExporter } from './run-export';

/** The workflow service's submit path (WorkflowsClient of @cairn/adapters/nats): the one SubmitWorkflow uses. */
export interface RerunSubmitter {
  submit(command: PlanWorkflowCommand, requestId?: string, account?: string, rerunOf?: string): Promise<{ plan: WorkflowPlan; workflow: WorkflowRecord }>;
}

/**
 * Binds cairn.v1.ProvenanceService: check and translate, ask the provenance service (which
 * applies the access policy to the caller), translate back. A re-run is submitted through
 * the workflow service as the caller, exactly as SubmitWorkflow submits, with `rerunOf`:
 * nothing else the gateway serves sets that field.
 */
export class ProvenanceGrpcController {
  private readonly handlers: GrpcHandlers;

  constructor(
    private readonly provenance: ProvenanceQueries,
    private readonly workflows: RerunSubmitter,
    private readonly exporter: RunExporter,
    private readonly defaultSite: string,
    logger: Logger,
    watchLimiter: WatchLimiter,
    door: Door,
  ) {
    this.handlers = grpcHandlers(logger, watchLimiter, door);
  }

  binding(): GrpcBinding {
    const implementation: pb.ProvenanceServiceServer = {
      getRunProvenance: this.handlers.unary(async (request: pb.GetRunProvenanceRequest, caller: Principal, peer: string): Promise<pb.GetRunProvenanceResponse> =>
        toPbRunProvenance(await this.provenance.run({ ...toRunProvenanceQuery(request), caller, peer, rpc: RPC.getRunProvenance })),
      ),
      lineage: this.handlers.unary(async (request: pb.LineageRequest, caller: Principal, peer: string): Promise<pb.LineageResponse> =>
        toPbLineage(await this.provenance.lineage({ ...toLineageQuery(request), caller, peer, rpc: RPC.lineage })),
      ),
      // A stream like the watches: it takes a slot of the same caps while it runs.
      exportRun: this.handlers.watch((request: pb.ExportRunRequest, signal, caller: Principal, peer: string) =>
        exportRun(this.provenance, this.exporter, request, signal, { caller, peer, rpc: RPC.exportRun }),
      ),
      rerun: this.handlers.unary(async (request: pb.RerunRequest, caller: Principal, peer: string): Promise<pb.RerunResponse> => {
        const ask = toRerunAsk(request);
        const who = { caller, peer, rpc: RPC.rerun };
        // NOT_FOUND unless the caller may see the run (the provenance service's access policy).
        const recorded = await this.provenance.runSource({ runId: ask.runId, ...who });
        const command = { ...rerunCommand(recorded, ask.params, this.defaultSite), ...who };
        const reply = await this.workflows.submit(command, ask.requestId, rerunAccount(ask.account, recorded, caller), recorded.runId);
        return { runId: reply.workflow.runId, rerunOf: reply.workflow.rerunOf ?? recorded.runId };
      }),
    };
    return { name: 'cairn.v1.ProvenanceService', definition: pb.ProvenanceServiceService, implementation };
  }
}
