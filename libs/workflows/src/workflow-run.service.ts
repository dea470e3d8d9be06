import { randomUUID } from 'node:crypto';
import { canCancel, checkRunLimits, chooseAccount, DEFAULT_RUN_LIMITS, listScope, type RunLimits, runUsage } from '@cairn/access';
import { type AuditOf, refusalsAudited } from '@cairn/audit-log';
import {
  type Called,
  denied,
  type ListWorkflowsQuery,
  notFound,
  type ResolvedImage,
  ownerOf,
  RPC,
  type SubmitWorkflowCommand,
  type Usage,
  type WorkflowPlan,
  type WorkflowRecord,
} from '@cairn/contracts';
import type { ImagePrewarm } from '@cairn/adapters/nats';
import { insertOnce } from '@cairn/adapters/postgres';
import type { Logger } from '@cairn/logging';
import type { Wakeable } from '@cairn/service-kit';
import { scopeNodes } from '@cairn/workflow-planner';
import type { WorkflowPlanningService } from './workflow-planning.service';
import { ownerOfRun, toWorkflowRecord } from './workflow-record.mapper';
import type { RunRow, WorkflowStore } from './workflow.store';
import { boundWorkflowRecord } from './record-budget';
import { runSubmitted } from './run-submitted';


/** Submitting, reading, listing and cancelling workflow runs, as the access policy allows (libs/access). */
export class WorkflowRunService {
  constructor(
    private readonly store: WorkflowStore,
    private readonly planning: WorkflowPlanningService,
    private readonly wake: { engine: Wakeable; outbox: Wakeable },
    private readonly logger: Logger,
    /** How many running workflow runs a person and a project may have. */
    private readonly limits: RunLimits = DEFAULT_RUN_LIMITS,
    /** Told of each run accepted, so its site starts materialising the run's images (none: nobody is told). */
    private readonly images?: ImagePrewarm,
  ) {}

  /**
   * Plans the file (every check, the same as a dry run's), records the run for the caller,
   * charged to the account asked (one of theirs) or their default, with its top-level
   * steps and its audit record in one transaction, and starts it. A refusal records only
   * its audit record.
   */
  async submit(command: SubmitWorkflowCommand): Promise<{ plan: WorkflowPlan; workflow: WorkflowRecord }> {
    const audit = this.auditOf(command, RPC.submitWorkflow, command.requestId ? [command.requestId] : []);
    return this.refusalsAudited(audit, async () => {
      const account = chooseAccount(command.caller, command.account);
      const owner = ownerOf(command.caller);
      const checkLimits = (running: { owner: number; account: number }) =>
        checkRunLimits('workflows', this.limits, { name: owner.name, active: running.owner }, { account, active: running.account });
      // Once per request id and owner: a repeat (or the loser of a race) gets the first run.
      let pinned: ResolvedImage[] = [];
      const { row: run, found } = await insertOnce({
        requestId: command.requestId,
        find: (id) => this.store.runByRequestId(id, owner),
        // Checked before planning (a refusal costs no plan), and again inside the insert's
        // transaction, which counts submissions that arrive together exactly.
        prepare: async () => {
          checkLimits(await this.store.runningCounts(owner, account));
          return this.planning.parseAndPlan(command);
        },
        insert: ({ workflow, plan, images }) => {
          pinned = images;
          return this.store.insertRun({
            runId: randomUUID(),
            ...(command.requestId ? { requestId: command.requestId } : {}),
            workflow,
            plan,
            fileName: command.fileName,
            nodes: scopeNodes(workflow, ''),
            at: new Date(),
            owner,
            account,
            limit: checkLimits,
            audit: audit('OK'),
            submitted: runSubmitted({ source: command.source, fileName: command.fileName, workflow, plan, owner, account, ...(command.rerunOf ? { rerunOf: command.rerunOf } : {}) }),
          });
        },
      });
      if (!found) {
        this.logger.info({ runId: run.run_id, workflow: run.name, site: run.plan.site, owner: owner.name, account }, 'workflow accepted');
        this.wake.outbox.wake();
        this.wake.engine.wake();
        // Durable now: every image of the run was pinned before; its site may start on them.
        this.images?.prewarm(run.plan.site, pinned, run.run_id);
      }
      return { plan: run.plan, workflow: await this.record(run) };
    });
  }

  async get(runId: string, who: Called): Promise<WorkflowRecord> {
    return this.record(await this.visible(runId, who, RPC.getWorkflow));
  }

  /** The caller's running runs, and those of each account they may charge, against the run limits a submission is checked against. */
  async usage(who: Called): Promise<Usage> {
    return runUsage('workflows', this.limits, who.caller, await this.store.runningCountsOf(who.caller, who.caller.accounts));
  }

  /** A page of the runs the caller may read (own, their projects', or all for an admin), filtered in SQL. */
  async list(query: ListWorkflowsQuery): Promise<{ workflows: WorkflowRecord[]; nextPageToken: string }> {
    const { caller, ...page } = query;
    const { rows, nextPageToken } = await this.store.listRuns(page, listScope(caller));
    return { workflows: rows.map((r) => toWorkflowRecord(r)), nextPageToken };
  }

  /** Cancels a run the caller owns (an admin: any); another's run they can read is PERMISSION_DENIED, one they cannot NOT_FOUND. */
  async cancel(runId: string, who: Called): Promise<WorkflowRecord> {
    const run = await this.visible(runId, who, RPC.cancelWorkflow);
    const audit = this.auditOf(who, RPC.cancelWorkflow, [runId]);
    return this.refusalsAudited(audit, async () => {
      const owner = ownerOfRun(run);
      if (!canCancel(who.caller, owner, run.account)) throw denied(`workflow run ${runId} belongs to ${owner.name}: only its owner or an admin may cancel it`);
      if (run.state === 'RUNNING') {
        await this.store.requestCancel(runId, new Date(), audit('OK'));
        this.logger.info({ runId, by: who.caller.name }, 'workflow cancel requested');
        this.wake.engine.wake();
      }
      return this.record((await this.store.run(runId)) ?? run);
    });
  }

  private async record(run: RunRow): Promise<WorkflowRecord> {
    const [nodes, jobs, iterations] = await Promise.all([this.store.nodes(run.run_id), this.store.jobs(run.run_id), this.store.iterations(run.run_id)]);
    // A long loop's steps and iterations may not fit one reply: the newest are kept.
    return boundWorkflowRecord(toWorkflowRecord(run, { nodes, jobs, iterations }));
  }

  /**
   * The run if the caller may read it. A run they may not read is answered exactly like a
   * missing one (NOT_FOUND, the same message), and the denial is audited.
   */
  private async visible(runId: string, who: Called, rpc: string): Promise<RunRow> {
    const run = await this.store.runIn(runId, listScope(who.caller));
    if (run) return run;
    const hidden = await this.store.run(runId);
    const reason = hidden ? `run of ${hidden.owner_name} (account ${hidden.account || 'none'}) not visible to the caller` : 'no such run';
    await this.store.audit(this.auditOf(who, rpc, [runId])('NOT_FOUND', reason));
    throw notFound(`workflow run ${runId} not found`);
  }

  private auditOf(who: Called, rpc: string, ids: string[]): AuditOf {
    return (outcome, reason) => ({ at: new Date(), rpc: who.rpc ?? rpc, ids, who: ownerOf(who.caller), peer: who.peer, outcome, reason });
  }

  /** Runs `change`; a refusal it throws is audited (outcome: its code) before it passes on. */
  private refusalsAudited<T>(audit: AuditOf, change: () => Promise<T>): Promise<T> {
    return refusalsAudited((entry) => this.store.audit(entry), (e: unknown) => this.logger.error({ err: e }, 'audit record not written'), audit, change);
  }
}
