import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@cairn/adapters/postgres';
import { auditMigrations } from '@cairn/audit-log';
import { type Called, isFinal, type JobRecord, type JobSpec, type JobState, ownerOf, type PlanWorkflowCommand, type SiteDescription } from '@cairn/contracts';
import { type ItemResult, JobsPort, SitePort } from './engine-ports';
import { workflowMigrations } from './migrations';
import { parseWorkflow } from '@cairn/workflow-language';
import { planWorkflow, scopeNodes } from '@cairn/workflow-planner';
import type { WorkflowPlanningService } from './workflow-planning.service';
import { toWorkflowRecord } from './workflow-record.mapper';
import { type RunRow, WorkflowStore } from './workflow.store';

/** Who the specs' runs belong to. */
export const SPEC_OWNER = { issuer: 'https://idp.example.edu', subject: 'alice', name: 'alice', posixUser: 'alice' };

/** The audit record a spec's cancel request writes. */
export const CANCEL_AUDIT = { at: new Date(), rpc: '/cairn.v1.WorkflowService/CancelWorkflow', ids: [], outcome: 'OK' as const };
import type { WorkflowDb } from './workflow.tables';

/** What the engine specs share: ports the test drives, and a store on a real PGlite. */

export const SITE: SiteDescription = {
  site: 'dev',
  maxArraySize: 1001,
  maxJobCount: 10_000,
  partitions: [{ name: 'debug', isDefault: true, up: true, cpusPerNode: 2, memoryMbPerNode: 4096, nodes: 1, maxTimeSeconds: null, gres: [], jobSlots: 8 }],
  resourceClasses: {},
};

/** A call of a port, for refusals the test sets up. */
export type PortCall = 'submit' | 'byIds' | 'cancel' | 'readRunFile' | 'globRun' | 'itemResults' | 'describe';

/** Refusals by call: each call takes the next one queued (then answers normally), or throws `always`. */
export class Refusals {
  private readonly queued = new Map<PortCall, Error[]>();
  private readonly always = new Map<PortCall, Error>();
  readonly calls = new Map<PortCall, number>();

  queue(call: PortCall, ...errors: Error[]): void {
    this.queued.set(call, [...(this.queued.get(call) ?? []), ...errors]);
  }
  set(call: PortCall, error: Error | undefined): void {
    if (error) this.always.set(call, error);
    else this.always.delete(call);
  }
  check(call: PortCall): void {
    this.calls.set(call, (this.calls.get(call) ?? 0) + 1);
    const next = this.queued.get(call)?.shift() ?? this.always.get(call);
    if (next) throw next;
  }
}

/** Cairn's job service as the engine sees it: records jobs; the test decides how they end. */
export class ScriptedJobs extends JobsPort {
  readonly jobs = new Map<string, JobRecord>();
  readonly byRequest = new Map<string, string>();
  submissions = 0;

  constructor(readonly refusals = new Refusals()) {
    super();
  }

  /** Who the engine said it submitted and cancelled for, in order. */
  readonly onBehalf: Called[] = [];

  async submit(spec: JobSpec, requestId: string, onBehalf: Called): Promise<JobRecord> {
    this.refusals.check('submit');
    this.onBehalf.push(onBehalf);
    const known = this.byRequest.get(requestId);
    if (known) return this.jobs.get(known) as JobRecord;
    this.submissions += 1;
    const n = this.jobs.size + 1;
    const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
    const record: JobRecord = {
      jobId: id,
      spec,
      imageDigest: spec.image,
      state: 'ACCEPTED',
      exitCode: null,
      slurmJobId: String(100 + n),
      reason: '',
      attemptId: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
      createTime: new Date().toISOString(),
      updateTime: new Date().toISOString(),
      owner: ownerOf(onBehalf.caller),
      account: onBehalf.caller.accounts[0] ?? '',
    };
    this.jobs.set(id, record);
    this.byRequest.set(requestId, id);
    return record;
  }
  async byIds(ids: string[]): Promise<JobRecord[]> {
    this.refusals.check('byIds');
    return ids.map((id) => this.jobs.get(id)).filter((j): j is JobRecord => Boolean(j));
  }
  async cancel(jobId: string, onBehalf: Called): Promise<JobRecord> {
    this.refusals.check('cancel');
    this.onBehalf.push(onBehalf);
    const job = this.jobs.get(jobId) as JobRecord;
    job.state = 'CANCELLED';
    return job;
  }
  /** Live jobs whose name contains `name`. */
  live(name: string): JobRecord[] {
    return [...this.jobs.values()].filter((j) => j.spec.name.includes(name) && !isFinal(j.state));
  }
  end(job: JobRecord, state: JobState, exitCode: number | null = state === 'COMPLETED' ? 0 : 1): void {
    job.state = state;
    job.exitCode = exitCode;
  }
}

/** A site's agent as the engine sees it: files, globs and item records the test sets. */
export class ScriptedSite extends SitePort {
  readonly files = new Map<string, string>();
  readonly items = new Map<string, ItemResult[]>();
  readonly globs = new Map<string, string[]>();

  constructor(readonly refusals = new Refusals()) {
    super();
  }

  async readRunFile(_site: string, _runId: string, path: string, maxBytes: number) {
    this.refusals.check('readRunFile');
    const text = this.files.get(path);
    const data = Buffer.from(text ?? '');
    return { exists: text !== undefined, data: data.subarray(0, maxBytes), truncated: data.length > maxBytes };
  }
  async globRun(_site: string, _runId: string, pattern: string) {
    this.refusals.check('globRun');
    return this.globs.get(pattern) ?? [];
  }
  async itemResults(_site: string, attemptId: string) {
    this.refusals.check('itemResults');
    return this.items.get(attemptId) ?? [];
  }
  async describe() {
    this.refusals.check('describe');
    return SITE;
  }
}

/** The planning service as the specs need it: the file parsed and planned for SITE, every image pinned to one digest. */
export const specPlanning = (): WorkflowPlanningService => {
  const planning: Pick<WorkflowPlanningService, 'parseAndPlan'> = {
    parseAndPlan: async (command: PlanWorkflowCommand) => {
      const workflow = parseWorkflow(command.source, command.fileName);
      const plan = planWorkflow(workflow, SITE);
      for (const step of plan.steps) step.imageDigest = `reg/lab/busybox@sha256:${'a'.repeat(64)}`;
      return { workflow, plan, images: [] };
    },
  };
  return planning as WorkflowPlanningService;
};

/** A workflow store on a fresh embedded PostgreSQL, and how to add runs and read them back. */
export async function openSpecStore(prefix: string) {
  const embeddedDir = mkdtempSync(join(tmpdir(), prefix));
  const database = await openDatabase<WorkflowDb>({ embeddedDir, schema: 'scheduler', migrations: [workflowMigrations, auditMigrations] });
  const store = new WorkflowStore(database.db);
  let runs = 0;
  return {
    store,
    /** Closes the database and removes its files (tens of MB a suite). */
    async close(): Promise<void> {
      await database.close();
      rmSync(embeddedDir, { recursive: true, force: true });
    },
    /** Records a run of the workflow (images pinned), as SubmitWorkflow would. */
    async submit(yaml: string): Promise<string> {
      runs += 1;
      const runId = `20000000-0000-4000-8000-${String(runs).padStart(12, '0')}`;
      const workflow = parseWorkflow(yaml, 'w.yaml');
      const plan = planWorkflow(workflow, SITE);
      const pin = (steps: typeof plan.steps) => steps.forEach((s) => (s.loop ? pin(s.loop.steps) : (s.imageDigest = `reg/lab/busybox@sha256:${'a'.repeat(64)}`)));
      pin(plan.steps);
      await store.insertRun({ runId, workflow, plan, fileName: 'w.yaml', nodes: scopeNodes(workflow, ''), at: new Date(), owner: SPEC_OWNER, account: 'genomics', audit: { at: new Date(), rpc: 'test', ids: [], outcome: 'OK' } });
      return runId;
    },
    async record(runId: string) {
      return toWorkflowRecord((await store.run(runId)) as RunRow, { nodes: await store.nodes(runId), jobs: await store.jobs(runId), iterations: await store.iterations(runId) });
    },
  };
}

export type SpecStore = Awaited<ReturnType<typeof openSpecStore>>;
