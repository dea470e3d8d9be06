import type { IterationRecord, Owner, StepRecord, WorkflowRecord } from '@cairn/contracts';
import type { WorkflowIterationsTable, WorkflowJobsTable, WorkflowNodesTable, WorkflowRunsTable } from './workflow.tables';
import type { Selectable } from '@cairn/adapters/postgres';

export function ownerOfRun(run: Selectable<WorkflowRunsTable>): Owner {
  return { issuer: run.owner_issuer, subject: run.owner_subject, name: run.owner_name, posixUser: run.owner_posix_user };
}

const iso = (at: Date | string | null | undefined): string | undefined => (at ? new Date(at).toISOString() : undefined);

/** A step instance as the API shows it, from its row and its jobs' rows (events add the instances it waits for). */
export function toStepRecord(node: Selectable<WorkflowNodesTable>, jobs: Selectable<WorkflowJobsTable>[], needs?: readonly string[]): StepRecord {
  const exits = node.item_exit ?? [];
  const failed: number[] = [];
  exits.forEach((code, index) => {
    if (code !== null && code !== 0) failed.push(index);
  });
  const startTime = iso(node.started_at);
  const endTime = iso(node.ended_at);
  return {
    key: node.key,
    path: node.path,
    iteration: node.iteration,
    kind: node.kind,
    state: node.state,
    attempt: node.attempt,
    requeues: node.requeues,
    items: { total: node.items?.length ?? 0, succeeded: exits.filter((c) => c === 0).length, failed: failed.length },
    ...(node.item_seconds !== null ? { itemSeconds: node.item_seconds } : {}),
    failedItems: failed.slice(0, 100),
    failedItemExitCodes: failed.slice(0, 100).map((index) => exits[index] ?? -1),
    jobIds: jobs.map((j) => j.job_id).filter((id): id is string => Boolean(id)),
    slurmJobIds: [...new Set(jobs.map((j) => j.slurm_job_id).filter(Boolean))],
    reason: node.reason,
    ...(startTime ? { startTime } : {}),
    ...(endTime ? { endTime } : {}),
    ...(needs ? { needs: [...needs] } : {}),
  };
}

export function toIterationRecord(row: Selectable<WorkflowIterationsTable>): IterationRecord {
  const endTime = iso(row.ended_at);
  return {
    loop: row.loop_key,
    iteration: row.iteration,
    state: row.state,
    metrics: row.metrics,
    decision: row.decision,
    stop: row.stop as IterationRecord['stop'],
    startTime: iso(row.started_at) as string,
    ...(endTime ? { endTime } : {}),
  };
}

export function toWorkflowRecord(
  run: Selectable<WorkflowRunsTable>,
  detail?: { nodes: Selectable<WorkflowNodesTable>[]; jobs: Selectable<WorkflowJobsTable>[]; iterations: Selectable<WorkflowIterationsTable>[] },
): WorkflowRecord {
  const endTime = iso(run.ended_at);
  const jobsOf = new Map<string, Selectable<WorkflowJobsTable>[]>();
  for (const job of detail?.jobs ?? []) jobsOf.set(job.node_key, [...(jobsOf.get(job.node_key) ?? []), job]);
  return {
    runId: run.run_id,
    name: run.name,
    site: run.site,
    fileName: run.file_name,
    state: run.state,
    reason: run.reason,
    createTime: iso(run.created_at) as string,
    updateTime: iso(run.updated_at) as string,
    ...(endTime ? { endTime } : {}),
    steps: (detail?.nodes ?? []).map((n) => toStepRecord(n, jobsOf.get(n.key) ?? [])),
    iterations: (detail?.iterations ?? []).map(toIterationRecord),
    ...(detail ? { plan: run.plan } : {}),
    owner: ownerOfRun(run),
    account: run.account,
    ...(run.rerun_of ? { rerunOf: run.rerun_of } : {}),
  };
}
