import type { ListScope } from '@cairn/access';
import {
  type KeysetKey,
  keysetPage,
  type Kysely,
  likePrefix,
  outboxTable,
  type OutboxTable,
  type Selectable,
  type SelectQueryBuilder,
  type Transaction,
  type Updateable,
} from '@cairn/adapters/postgres';
import { type AuditEntry, auditRow } from '@cairn/audit-log';
import {
  isRunFinal,
  jsonBytes,
  type ListWorkflowsQuery,
  type Owner,
  type RunInfo,
  type RunSubmitted,
  type StepItems,
  type WorkflowEvent,
  type WorkflowPlan,
} from '@cairn/contracts';
import { toIterationRecord, toStepRecord } from './workflow-record.mapper';
import type {
  WorkflowDb,
  WorkflowEventsTable,
  WorkflowIterationsTable,
  WorkflowJobsTable,
  WorkflowNodesTable,
  WorkflowRunsTable,
} from './workflow.tables';
import type { ParsedWorkflow } from '@cairn/workflow-language';
import type { StepJob } from '@cairn/workflow-planner';
import { toWorkflowRecord } from './workflow-record.mapper';
import { stepNeeds } from './step-needs';

export type RunRow = Selectable<WorkflowRunsTable>;
export type NodeRow = Selectable<WorkflowNodesTable>;
export type JobLinkRow = Selectable<WorkflowJobsTable>;
export type IterationRow = Selectable<WorkflowIterationsTable>;
export type EventRow = Selectable<WorkflowEventsTable>;

const runKey: KeysetKey<RunRow> = { createdAtColumn: 'created_at', idColumn: 'run_id', createdAt: (row) => row.created_at, id: (row) => row.run_id };

export interface NewNode {
  key: string;
  path: string;
  scope: string;
  iteration: number;
  kind: 'run' | 'array' | 'loop';
}

type Tx = Transaction<WorkflowDb>;
type RunsQuery = SelectQueryBuilder<WorkflowDb, 'workflow_runs', RunRow>;

/** The access policy's scope as a WHERE: own runs, and those charged to the scope's accounts. */
function inScope(query: RunsQuery, scope: ListScope): RunsQuery {
  if (scope.all) return query;
  const { owner, accounts } = scope;
  return query.where((eb) =>
    eb.or([
      eb.and([eb('owner_issuer', '=', owner.issuer), eb('owner_subject', '=', owner.subject)]),
      ...(accounts.length > 0 ? [eb('account', 'in', [...accounts])] : []),
    ]),
  );
}

/**
 * The workflow engine's tables. Every change of a run, a step instance or an iteration is
 * written in one transaction with its event (the outbox of CAIRN_WORKFLOW_EVENTS), so
 * what WatchWorkflow shows is exactly what was recorded.
 */
export class WorkflowStore {
  private readonly outbox: OutboxTable<EventRow>;
  private readonly workflows = new Map<string, ParsedWorkflow>();

  constructor(private readonly db: Kysely<WorkflowDb>) {
    this.outbox = outboxTable(db, 'workflow_events');
  }

  async insertRun(input: {
    runId: string;
    requestId?: string;
    workflow: ParsedWorkflow;
    plan: WorkflowPlan;
    fileName: string;
    nodes: NewNode[];
    at: Date;
    owner: Owner;
    account: string;
    /** The submission's audit record, written in the same transaction. */
    audit: AuditEntry;
    /** What was submitted, for provenance: carried by the run's first event. */
    submitted?: RunSubmitted;
    /**
     * The run limits: called inside the transaction, once the run is inserted, with the
     * owner's and account's other running runs; a throw records nothing. The inserted run
     * holds its counters' rows until the commit, so submissions that arrive together are
     * counted one after another, exactly.
     */
    limit?: (others: { owner: number; account: number }) => void;
  }): Promise<RunRow> {
    return this.db.transaction().execute(async (tx) => {
      const run = await tx
        .insertInto('workflow_runs')
        .values({
          run_id: input.runId,
          request_id: input.requestId ?? null,
          name: input.workflow.name,
          site: input.plan.site,
          file_name: input.fileName,
          workflow: JSON.stringify(input.workflow),
          plan: JSON.stringify(input.plan),
          state: 'RUNNING',
          reason: '',
          cancel_requested_at: null,
          seq: 0,
          created_at: input.at,
          updated_at: input.at,
          ended_at: null,
          owner_issuer: input.owner.issuer,
          owner_subject: input.owner.subject,
          owner_name: input.owner.name,
          owner_posix_user: input.owner.posixUser,
          account: input.account,
          rerun_of: input.submitted?.rerunOf ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      if (input.limit) {
        const running = await this.runningCounts(input.owner, input.account, tx);
        input.limit({ owner: running.owner - 1, account: running.account - 1 });
      }
      await tx.insertInto('audit_events').values(auditRow({ ...input.audit, ids: [input.runId, ...input.audit.ids] })).execute();
      // The run's first event says what was submitted (provenance); its steps' events follow.
      await this.emit(tx, input.runId, { kind: 'run', run: { state: 'RUNNING', reason: '' }, ...(input.submitted ? { submitted: input.submitted } : {}) }, input.at);
      await this.insertNodesTx(tx, input.runId, input.nodes, input.at);
      return run;
    });
  }

  /** Which of these workflow runs exist, whether each is live (not final), and whose it is: one query on the primary key. */
  async runsInfo(runIds: readonly string[]): Promise<RunInfo[]> {
    if (runIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('workflow_runs')
      .select(['run_id', 'state', 'owner_issuer', 'owner_subject', 'owner_name', 'owner_posix_user', 'account'])
      .where('run_id', 'in', [...runIds])
      .execute();
    return rows.map((row) => ({
      runId: row.run_id,
      kind: 'workflow',
      live: !isRunFinal(row.state),
      owner: { issuer: row.owner_issuer, subject: row.owner_subject, name: row.owner_name, posixUser: row.owner_posix_user },
      ...(row.account ? { account: row.account } : {}),
    }));
  }

  run(runId: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('workflow_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  }

  /** The run if it exists and is inside the scope (one outside it is answered like a missing one). */
  runIn(runId: string, scope: ListScope): Promise<RunRow | undefined> {
    return inScope(this.db.selectFrom('workflow_runs').selectAll().where('run_id', '=', runId), scope).executeTakeFirst();
  }

  /** The run `owner` submitted with this request id (request ids are per owner). */
  runByRequestId(requestId: string, owner: Pick<Owner, 'issuer' | 'subject'>): Promise<RunRow | undefined> {
    return this.db
      .selectFrom('workflow_runs')
      .selectAll()
      .where('request_id', '=', requestId)
      .where('owner_issuer', '=', owner.issuer)
      .where('owner_subject', '=', owner.subject)
      .executeTakeFirst();
  }

  /** How many runs are still running: the owner's, and the account's (the counters of migration 0009; `db`: a transaction's). */
  async runningCounts(owner: Pick<Owner, 'issuer' | 'subject'>, account: string, db: Kysely<WorkflowDb> = this.db): Promise<{ owner: number; account: number }> {
    const counts = await this.runningCountsOf(owner, [account], db);
    return { owner: counts.owner, account: counts.accounts.get(account) ?? 0 };
  }

  /** The same for several accounts at once (GetWorkflowUsage); an account with no counter is left out (it has none). */
  async runningCountsOf(owner: Pick<Owner, 'issuer' | 'subject'>, accounts: readonly string[], db: Kysely<WorkflowDb> = this.db): Promise<{ owner: number; accounts: Map<string, number> }> {
    const [mine, shared] = await Promise.all([
      db.selectFrom('running_runs_by_owner').select('n').where('owner_issuer', '=', owner.issuer).where('owner_subject', '=', owner.subject).executeTakeFirst(),
      accounts.length === 0 ? [] : db.selectFrom('running_runs_by_account').select(['account', 'n']).where('account', 'in', [...accounts]).execute(),
    ]);
    return { owner: Number(mine?.n ?? 0), accounts: new Map(shared.map((row) => [row.account, Number(row.n)])) };
  }

  /** Appends an audit record on its own (a refusal, which changes nothing else). */
  async audit(entry: AuditEntry): Promise<void> {
    await this.db.insertInto('audit_events').values(auditRow(entry)).execute();
  }

  async activeRunIds(): Promise<string[]> {
    const rows = await this.db.selectFrom('workflow_runs').select('run_id').where('state', '=', 'RUNNING').orderBy('created_at').execute();
    return rows.map((r) => r.run_id);
  }

  /** A page of the runs inside the scope, newest first (see keysetPage). */
  listRuns(query: Omit<ListWorkflowsQuery, 'caller' | 'peer' | 'rpc'>, scope: ListScope): Promise<{ rows: RunRow[]; nextPageToken: string }> {
    let q = inScope(this.db.selectFrom('workflow_runs').selectAll(), scope);
    if (query.states.length > 0) q = q.where('state', 'in', query.states);
    if (query.namePrefix) q = q.where('name', 'like', likePrefix(query.namePrefix));
    return keysetPage(q, query, runKey, 'ListWorkflows', (row) => jsonBytes(toWorkflowRecord(row)));
  }

  nodes(runId: string): Promise<NodeRow[]> {
    return this.db.selectFrom('workflow_nodes').selectAll().where('run_id', '=', runId).orderBy('ord').execute();
  }

  jobs(runId: string): Promise<JobLinkRow[]> {
    return this.db.selectFrom('workflow_jobs').selectAll().where('run_id', '=', runId).orderBy('created_at').orderBy('chunk').execute();
  }

  iterations(runId: string): Promise<IterationRow[]> {
    return this.db.selectFrom('workflow_iterations').selectAll().where('run_id', '=', runId).orderBy('loop_key').orderBy('iteration').execute();
  }

  /**
   * How long an item of this array step took before: in the latest earlier iteration of
   * this run's loop, else in the latest run of the same workflow that measured it.
   */
  async itemSecondsHistory(runId: string, name: string, path: string, iteration: number): Promise<number | undefined> {
    const earlier = await this.db
      .selectFrom('workflow_nodes')
      .select('item_seconds')
      .where('run_id', '=', runId)
      .where('path', '=', path)
      .where('iteration', '<', iteration)
      .where('item_seconds', 'is not', null)
      .orderBy('iteration', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (earlier?.item_seconds) return earlier.item_seconds;
    const before = await this.db
      .selectFrom('workflow_nodes')
      .innerJoin('workflow_runs', 'workflow_runs.run_id', 'workflow_nodes.run_id')
      .select('workflow_nodes.item_seconds')
      .where('workflow_runs.name', '=', name)
      .where('workflow_runs.run_id', '!=', runId)
      .where('workflow_nodes.path', '=', path)
      .where('workflow_nodes.item_seconds', 'is not', null)
      .orderBy('workflow_nodes.updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return before?.item_seconds ?? undefined;
  }

  /** Records the cancel request (once) and its audit record, in one transaction. */
  async requestCancel(runId: string, at: Date, audit: AuditEntry): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('workflow_runs').set({ cancel_requested_at: at }).where('run_id', '=', runId).where('cancel_requested_at', 'is', null).execute();
      await tx.insertInto('audit_events').values(auditRow(audit)).execute();
    });
  }

  /** Ends the run (once): its state, reason and end time, with an event. */
  async finishRun(runId: string, state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', reason: string, at: Date): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      const done = await tx
        .updateTable('workflow_runs')
        .set({ state, reason, ended_at: at, updated_at: at })
        .where('run_id', '=', runId)
        .where('state', '=', 'RUNNING')
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) === 1) await this.emit(tx, runId, { kind: 'run', run: { state, reason } }, at);
    });
  }

  /**
   * Changes a step instance and records new jobs for it, atomically, with the step's event.
   * Jobs are recorded before they are submitted: their request ids make submission idempotent.
   * `items`: the `items` events of the array items whose results the patch records.
   */
  async updateNode(runId: string, key: string, patch: Updateable<WorkflowNodesTable>, at: Date, newJobs: StepJob[] = [], items: readonly StepItems[] = []): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('workflow_nodes').set({ ...patch, updated_at: at }).where('run_id', '=', runId).where('key', '=', key).execute();
      await this.insertJobsTx(tx, runId, newJobs, at);
      // The items' results (provenance) with the state that records them, before the step's event.
      for (const chunk of items) await this.emit(tx, runId, { kind: 'items', items: chunk }, at);
      await this.emitStep(tx, runId, key, at);
    });
  }

  /** New step instances (a loop iteration's body) and the iteration's record. */
  async startIteration(runId: string, loopKey: string, iteration: number, nodes: NewNode[], at: Date): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('workflow_iterations')
        .values({ run_id: runId, loop_key: loopKey, iteration, state: 'RUNNING', metrics: '{}', decision: '', stop: '', started_at: at, ended_at: null })
        .onConflict((oc) => oc.doNothing())
        .execute();
      await this.insertNodesTx(tx, runId, nodes, at);
      await this.emitIteration(tx, runId, loopKey, iteration, at);
    });
  }

  async updateIteration(runId: string, loopKey: string, iteration: number, patch: Updateable<WorkflowIterationsTable>, at: Date): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      await tx.updateTable('workflow_iterations').set(patch).where('run_id', '=', runId).where('loop_key', '=', loopKey).where('iteration', '=', iteration).execute();
      await this.emitIteration(tx, runId, loopKey, iteration, at);
    });
  }

  /** What Cairn's job service said about a job (submission, or a later state). */
  async updateJob(requestId: string, patch: Updateable<WorkflowJobsTable>): Promise<void> {
    await this.db.updateTable('workflow_jobs').set(patch).where('request_id', '=', requestId).execute();
  }

  /** The links of these jobs that are not final yet, in running runs (for the engine's final job events). */
  liveLinksOfJobs(jobIds: readonly string[]): Promise<JobLinkRow[]> {
    if (jobIds.length === 0) return Promise.resolve([]);
    return this.db
      .selectFrom('workflow_jobs')
      .selectAll()
      .where('run_id', 'in', (q) => q.selectFrom('workflow_runs').select('run_id').where('state', '=', 'RUNNING'))
      .where('job_id', 'in', [...jobIds])
      .where('final', '=', false)
      .execute();
  }

  /** Records a job's end (final) unless it is final already; true when this call recorded it. */
  async endJob(requestId: string, patch: Updateable<WorkflowJobsTable>): Promise<boolean> {
    const done = await this.db.updateTable('workflow_jobs').set({ ...patch, final: true }).where('request_id', '=', requestId).where('final', '=', false).executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /** Re-emits a step's event after its jobs changed (Slurm ids, states). */
  async touchNode(runId: string, key: string, at: Date): Promise<void> {
    await this.db.transaction().execute((tx) => this.emitStep(tx, runId, key, at));
  }

  /** The events not yet sent to CAIRN_WORKFLOW_EVENTS (the outbox). */
  unpublished(limit: number): Promise<EventRow[]> {
    return this.outbox.unpublished(limit);
  }

  markPublished(ids: string[]): Promise<void> {
    return this.outbox.markPublished(ids);
  }

  private async insertNodesTx(tx: Tx, runId: string, nodes: NewNode[], at: Date): Promise<void> {
    if (nodes.length === 0) return;
    const inserted = await tx
      .insertInto('workflow_nodes')
      .values(
        nodes.map((n) => ({
          run_id: runId,
          key: n.key,
          path: n.path,
          scope: n.scope,
          iteration: n.iteration,
          kind: n.kind,
          state: 'WAITING' as const,
          attempt: 0,
          requeues: 0,
          gen: 0,
          items: null,
          item_exit: null,
          item_seconds: null,
          retry_at: null,
          transient_tries: 0,
          transient_since: null,
          transient_retry_at: null,
          reason: '',
          started_at: null,
          ended_at: null,
          updated_at: at,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .execute();
    for (const { key } of inserted) await this.emitStep(tx, runId, key, at);
  }

  private async insertJobsTx(tx: Tx, runId: string, jobs: StepJob[], at: Date): Promise<void> {
    if (jobs.length === 0) return;
    await tx
      .insertInto('workflow_jobs')
      .values(
        jobs.map((j) => ({
          request_id: j.requestId,
          run_id: runId,
          node_key: j.nodeKey,
          gen: j.gen,
          chunk: j.chunk,
          spec: JSON.stringify(j.spec),
          item_indices: j.itemIndices ? JSON.stringify(j.itemIndices) : null,
          job_id: null,
          attempt_id: null,
          state: null,
          exit_code: null,
          slurm_job_id: '',
          reason: '',
          final: false,
          cancel_sent: false,
          created_at: at,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  private async emitStep(tx: Tx, runId: string, key: string, at: Date): Promise<void> {
    const node = await tx.selectFrom('workflow_nodes').selectAll().where('run_id', '=', runId).where('key', '=', key).executeTakeFirstOrThrow();
    const jobs = await tx.selectFrom('workflow_jobs').selectAll().where('run_id', '=', runId).where('node_key', '=', key).orderBy('created_at').orderBy('chunk').execute();
    const needs = stepNeeds(await this.workflowOf(tx, runId), key);
    await this.emit(tx, runId, { kind: 'step', step: toStepRecord(node, jobs, needs) }, at);
  }

  /** A run's parsed file (it never changes), kept for the latest runs whose step events are written. */
  private async workflowOf(tx: Tx, runId: string): Promise<ParsedWorkflow> {
    const cached = this.workflows.get(runId);
    if (cached) return cached;
    const { workflow } = await tx.selectFrom('workflow_runs').select('workflow').where('run_id', '=', runId).executeTakeFirstOrThrow();
    if (this.workflows.size >= 256) this.workflows.delete(this.workflows.keys().next().value as string);
    this.workflows.set(runId, workflow);
    return workflow;
  }

  private async emitIteration(tx: Tx, runId: string, loopKey: string, iteration: number, at: Date): Promise<void> {
    const row = await tx
      .selectFrom('workflow_iterations')
      .selectAll()
      .where('run_id', '=', runId)
      .where('loop_key', '=', loopKey)
      .where('iteration', '=', iteration)
      .executeTakeFirstOrThrow();
    await this.emit(tx, runId, { kind: 'iteration', iteration: toIterationRecord(row) }, at);
  }

  private async emit(tx: Tx, runId: string, body: Omit<WorkflowEvent, 'runId' | 'sequence' | 'time'>, at: Date): Promise<void> {
    const run = await tx
      .updateTable('workflow_runs')
      .set((eb) => ({ seq: eb('seq', '+', 1), updated_at: at }))
      .where('run_id', '=', runId)
      .returning('seq')
      .executeTakeFirstOrThrow();
    const event: WorkflowEvent = { runId, sequence: run.seq, time: at.toISOString(), ...body };
    await tx.insertInto('workflow_events').values({ run_id: runId, seq: run.seq, payload: JSON.stringify(event) }).execute();
  }
}
