import { randomUUID } from 'node:crypto';
import {
  CairnError,
  type ListWorkflowsQuery,
  type SubmitWorkflowCommand,
  type WorkflowPlan,
  type WorkflowRecord,
} from '@cairn/contracts';
import { insertOnce } from '@cairn/adapters/postgres';
import type { Logger } from '@cairn/logging';
import type { Wakeable } from '@cairn/service-kit';
import { scopeNodes } from '@cairn/workflow-planner';
import type { WorkflowPlanningService } from './workflow-planning.service';
import { toWorkflowRecord } from './workflow-record.mapper';
import type { WorkflowStore } from './workflow.store';
import { boundWorkflowRecord } from './record-budget';

/** Submitting, reading, listing and cancelling workflow runs. */
export class WorkflowRunService {
  constructor(
    private readonly store: WorkflowStore,
    private readonly planning: WorkflowPlanningService,
    private readonly wake: { engine: Wakeable; outbox: Wakeable },
    private readonly logger: Logger,
  ) {}

  /** Plans the file (every check, the same as a dry run's), records the run and its top-level steps, starts it. */
  async submit(command: SubmitWorkflowCommand): Promise<{ plan: WorkflowPlan; workflow: WorkflowRecord }> {
    // Once per request id: a repeat (or the loser of a race) gets the first run.
    const { row: run, found } = await insertOnce({
      requestId: command.requestId,
      find: (id) => this.store.runByRequestId(id),
      prepare: () => this.planning.parseAndPlan(command),
      insert: ({ workflow, plan }) =>
        this.store.insertRun({
          runId: randomUUID(),
          ...(command.requestId ? { requestId: command.requestId } : {}),
          workflow,
          plan,
          fileName: command.fileName,
          nodes: scopeNodes(workflow, ''),
          at: new Date(),
        }),
    });
    if (found) return { plan: run.plan, workflow: await this.get(run.run_id) };
    this.logger.info({ runId: run.run_id, workflow: run.name, site: run.plan.site }, 'workflow accepted');
    this.wake.outbox.wake();
    this.wake.engine.wake();
    return { plan: run.plan, workflow: await this.get(run.run_id) };
  }

  async get(runId: string): Promise<WorkflowRecord> {
    const run = await this.store.run(runId);
    if (!run) throw new CairnError('NOT_FOUND', `workflow run ${runId} not found`);
    const [nodes, jobs, iterations] = await Promise.all([this.store.nodes(runId), this.store.jobs(runId), this.store.iterations(runId)]);
    // A long loop's steps and iterations may not fit one reply: the newest are kept.
    return boundWorkflowRecord(toWorkflowRecord(run, { nodes, jobs, iterations }));
  }

  async list(query: ListWorkflowsQuery): Promise<{ workflows: WorkflowRecord[]; nextPageToken: string }> {
    const { rows, nextPageToken } = await this.store.listRuns(query);
    return { workflows: rows.map((r) => toWorkflowRecord(r)), nextPageToken };
  }

  async cancel(runId: string): Promise<WorkflowRecord> {
    const run = await this.store.run(runId);
    if (!run) throw new CairnError('NOT_FOUND', `workflow run ${runId} not found`);
    if (run.state === 'RUNNING') {
      await this.store.requestCancel(runId, new Date());
      this.logger.info({ runId }, 'workflow cancel requested');
      this.wake.engine.wake();
    }
    return this.get(runId);
  }
}
