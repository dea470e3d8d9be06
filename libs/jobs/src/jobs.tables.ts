import type { ColumnType, Generated } from '@cairn/adapters/postgres';
import type { AuditDb } from '@cairn/audit-log';
import type { JobFacts, JobSpec, JobState, RunFacts } from '@cairn/contracts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface JobsTable {
  job_id: string;
  request_id: string | null;
  name: string;
  site: string;
  spec: ColumnType<JobSpec, string, string>;
  image_pinned: string;
  image_digest: string;
  state: JobState;
  exit_code: number | null;
  slurm_job_id: string;
  reason: string;
  attempt_id: string;
  seq: number;
  dispatched_at: Timestamp | null;
  /** When the attempt was first sent to its agent (events are accepted only after). */
  dispatch_sent_at: Timestamp | null;
  cancel_requested_at: Timestamp | null;
  cancel_delivered_at: Timestamp | null;
  /** Failed tries to hand the job to its agent, and when to try next (null: now). */
  dispatch_tries: Generated<number>;
  dispatch_next_at: Timestamp | null;
  /** The same for delivering a requested cancel. */
  cancel_tries: Generated<number>;
  cancel_next_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** Who submitted it (the access policy's owner; see libs/access). */
  owner_issuer: string;
  owner_subject: string;
  owner_name: string;
  owner_posix_user: string;
  /** The Slurm account it is charged to ('' for legacy jobs). */
  account: string;
  /** The workflow run it belongs to (null: submitted directly); only direct jobs count toward the run limits. */
  workflow_run: string | null;
}

/** Every state change of every job; doubles as the outbox of CAIRN_JOB_EVENTS. */
export interface JobTransitionsTable {
  id: Generated<string>;
  job_id: string;
  seq: number;
  state: JobState;
  exit_code: number | null;
  slurm_job_id: string;
  reason: string;
  at: Timestamp;
  published: Generated<boolean>;
  /** The ACCEPTED transition: what the job is (its event's `facts`); null otherwise and before provenance. */
  facts: ColumnType<JobFacts | null, string | null, string | null>;
  /** RUNNING and final transitions: what the wrapper measured (its event's `run`), when the agent sent it. */
  run: ColumnType<RunFacts | null, string | null, string | null>;
}

/** Per owner: how many of their jobs submitted directly are not yet finished (kept by triggers on jobs: migration 0010). */
export interface ActiveJobsByOwnerTable {
  owner_issuer: string;
  owner_subject: string;
  n: number;
}

/** Per Slurm account: the same count (migration 0010). */
export interface ActiveJobsByAccountTable {
  account: string;
  n: number;
}

/** The job capability's tables, and the audit log it appends to in the same transactions. */
export interface SchedulerDb extends AuditDb {
  jobs: JobsTable;
  job_transitions: JobTransitionsTable;
  active_jobs_by_owner: ActiveJobsByOwnerTable;
  active_jobs_by_account: ActiveJobsByAccountTable;
}

export const SCHEDULER_SCHEMA = 'scheduler';
