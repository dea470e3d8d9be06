import { schedulerTimeouts, type SchedulerTimeouts } from '@cairn/config';
import {
  type Called,
  type ListWorkflowsQuery,
  listWorkflowsReply,
  type PlanWorkflowCommand,
  planWorkflowReply,
  type WorkflowPlan,
  workflowPlanSchema,
  type WorkflowRecord,
  workflowRecordSchema,
  workflowReply,
  subjects,
  type Usage,
  usageReply,
} from '@cairn/contracts';
import { z } from 'zod';
import type { SchedulerRequester } from './jobs.client';
import { writingRun } from './local-writes';

const submitWorkflowReply = z.object({ plan: workflowPlanSchema, workflow: workflowRecordSchema });

/** The scheduler's workflow service as a typed client over NATS, with the shared time-outs. */
export class WorkflowsClient {
  constructor(
    private readonly requester: SchedulerRequester,
    private readonly timeouts: SchedulerTimeouts = schedulerTimeouts,
  ) {}

  async plan(command: PlanWorkflowCommand): Promise<WorkflowPlan> {
    return (await this.requester.request(subjects.scheduler.planWorkflow, command, planWorkflowReply, this.timeouts.planWorkflow)).plan;
  }

  /**
   * `account`: the Slurm account to charge (default: the caller's first). `rerunOf`: the
   * recorded run this one re-runs; only ProvenanceService.Rerun sets it (SubmitWorkflow and
   * template runs have no such field).
   */
  submit(command: PlanWorkflowCommand, requestId?: string, account?: string, rerunOf?: string): Promise<{ plan: WorkflowPlan; workflow: WorkflowRecord }> {
    const payload = { ...command, ...(requestId ? { requestId } : {}), ...(account ? { account } : {}), ...(rerunOf ? { rerunOf } : {}) };
    // This process's read memories forget what a new run makes stale, before the answer is used (onRunWrite).
    return writingRun(
      undefined,
      () => this.requester.request(subjects.scheduler.submitWorkflow, payload, submitWorkflowReply, this.timeouts.submitWorkflow),
      (reply) => reply.workflow.runId,
    );
  }

  async get(runId: string, who: Called): Promise<WorkflowRecord> {
    return (await this.requester.request(subjects.scheduler.getWorkflow, { runId, ...who }, workflowReply, this.timeouts.getWorkflow)).workflow;
  }

  async cancel(runId: string, who: Called): Promise<WorkflowRecord> {
    const reply = await writingRun(runId, () => this.requester.request(subjects.scheduler.cancelWorkflow, { runId, ...who }, workflowReply, this.timeouts.cancelWorkflow), () => runId);
    return reply.workflow;
  }

  /** The caller's running runs and their accounts' against the run limits. */
  usage(who: Called): Promise<Usage> {
    return this.requester.request(subjects.scheduler.workflowUsage, { ...who }, usageReply, this.timeouts.workflowUsage);
  }

  list(query: ListWorkflowsQuery) {
    return this.requester.request(subjects.scheduler.listWorkflows, query, listWorkflowsReply, this.timeouts.listWorkflows);
  }
}
