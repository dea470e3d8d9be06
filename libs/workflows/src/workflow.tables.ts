import type { ColumnType, Generated } from '@cairn/adapters/postgres';
import type { AuditDb } from '@cairn/audit-log';
import type { JobSpec, JobState, StepState, WorkflowPlan, WorkflowState } from '@cairn/contracts';
import type { ParsedWorkflow } from '@cairn/workflow-language';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

/** One run of a workflow file. */
export interface WorkflowRunsTable {
  run_id: string;
  request_id: string | null;
  name: string;
  site: string;
  file_name: string;
  workflow: Json<ParsedWorkflow>;
  plan: Json<WorkflowPlan>;
  state: WorkflowState;
  reason: string;
  cancel_requested_at: Timestamp | null;
  /** Sequence of the run's last event (CAIRN_WORKFLOW_EVENTS). */
  seq: number;
  created_at: Timestamp;
  updated_at: Timestamp;
  ended_at: Timestamp | null;
  /** Who submitted the run: its jobs are submitted on their behalf (libs/access). */
  owner_issuer: string;
  owner_subject: string;
  owner_name: string;
  owner_posix_user: string;
  /** The Slurm account its jobs are charged to ('' for legacy runs). */
  account: string;
  /** The run this one re-ran (ProvenanceService.Rerun); null otherwise. */
  rerun_of: string | null;
}

/** A step instance: a step of the file in one scope (top level, or one loop iteration). */
export interface WorkflowNodesTable {
  run_id: string;
  key: string;
  ord: Generated<string>;
  path: string;
  /** "" at top level, "learn[3]" inside iteration 3 of loop learn. */
  scope: string;
  iteration: number;
  kind: 'run' | 'array' | 'loop';
  state: StepState;
  attempt: number;
  requeues: number;
  /** Generation of job rows: increases with every attempt, retry or requeue. */
  gen: number;
  /** Array steps: every item's value, fixed when the step starts. */
  items: Json<(string | number)[]> | null;
  /** Array steps: every item's last exit code (null: not run yet). */
  item_exit: Json<(number | null)[]> | null;
  /** Array steps: median seconds an item ran in the last attempt that ran any. */
  item_seconds: number | null;
  retry_at: Timestamp | null;
  /** Tries in a row that the site (or the job service) did not answer; 0 when it did. */
  transient_tries: number;
  /** When the first of those tries failed. */
  transient_since: Timestamp | null;
  /** Not before this time is the failed call tried again. */
  transient_retry_at: Timestamp | null;
  reason: string;
  started_at: Timestamp | null;
  ended_at: Timestamp | null;
  updated_at: Timestamp;
}

/** A Cairn job a step instance runs; recorded before it is submitted (request id = key). */
export interface WorkflowJobsTable {
  request_id: string;
  run_id: string;
  node_key: string;
  gen: number;
  chunk: number;
  spec: Json<JobSpec>;
  /** Array jobs: the step's item indices it runs. */
  item_indices: Json<number[]> | null;
  job_id: string | null;
  attempt_id: string | null;
  state: JobState | null;
  exit_code: number | null;
  slurm_job_id: string;
  reason: string;
  final: boolean;
  cancel_sent: boolean;
  created_at: Timestamp;
}

export interface WorkflowIterationsTable {
  run_id: string;
  loop_key: string;
  iteration: number;
  state: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  metrics: Json<Record<string, number>>;
  decision: string;
  stop: string;
  started_at: Timestamp;
  ended_at: Timestamp | null;
}

/** Outbox of CAIRN_WORKFLOW_EVENTS. */
export interface WorkflowEventsTable {
  id: Generated<string>;
  run_id: string;
  seq: number;
  payload: Json<unknown>;
  published: Generated<boolean>;
}

/** Per owner: how many of their runs are RUNNING (kept by triggers on workflow_runs: migration 0009). */
export interface RunningRunsByOwnerTable {
  owner_issuer: string;
  owner_subject: string;
  n: number;
}

/** Per Slurm account: the same count (migration 0009). */
export interface RunningRunsByAccountTable {
  account: string;
  n: number;
}

/** The workflow engine's tables, and the audit log it appends to in the same transactions. */
export interface WorkflowDb extends AuditDb {
  running_runs_by_owner: RunningRunsByOwnerTable;
  running_runs_by_account: RunningRunsByAccountTable;
  workflow_runs: WorkflowRunsTable;
  workflow_nodes: WorkflowNodesTable;
  workflow_jobs: WorkflowJobsTable;
  workflow_iterations: WorkflowIterationsTable;
  workflow_events: WorkflowEventsTable;
}
