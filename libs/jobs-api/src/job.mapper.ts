import {
  CairnError,
  JOB_DEFAULTS,
  type JobEvent,
  type JobRecord,
  type JobSpec,
  publicJobSpecSchema,
  type JobState,
  type ListJobsQuery,
  parseOrThrow,
  pb,
  requestIdSchema,
  siteName,
  slurmAccountName,
  type Owner,
  uuid,
} from '@cairn/contracts';
import { pageRequest } from '@cairn/grpc-server';

/** Translation between the public protobuf messages and Cairn's domain, with validation. */

const TO_PB: Record<JobState, pb.JobState> = {
  ACCEPTED: pb.JobState.JOB_STATE_ACCEPTED,
  PENDING: pb.JobState.JOB_STATE_PENDING,
  RUNNING: pb.JobState.JOB_STATE_RUNNING,
  COMPLETED: pb.JobState.JOB_STATE_COMPLETED,
  FAILED: pb.JobState.JOB_STATE_FAILED,
  CANCELLED: pb.JobState.JOB_STATE_CANCELLED,
  TIMEOUT: pb.JobState.JOB_STATE_TIMEOUT,
};
const FROM_PB = new Map<number, JobState>(Object.entries(TO_PB).map(([k, v]) => [v, k as JobState]));

export function toPbState(state: JobState): pb.JobState {
  return TO_PB[state];
}

export function fromPbState(state: number, field: string): JobState {
  const found = FROM_PB.get(state);
  if (!found) throw new CairnError('INVALID_ARGUMENT', `${field}: ${state} is not a job state`);
  return found;
}

/** A SubmitJobRequest as a complete, validated JobSpec (defaults filled in) and its request id. */
export function toSubmitCommand(request: Omit<pb.SubmitJobRequest, 'account'> & { account?: string }, defaultSite: string): { spec: JobSpec; requestId?: string } {
  const spec = request.spec;
  if (!spec) throw new CairnError('INVALID_ARGUMENT', 'spec: is required');
  const resources = spec.resources;
  const candidate = {
    name: spec.name,
    image: spec.image,
    command: spec.command,
    env: spec.env,
    resources: {
      cpus: resources?.cpus || JOB_DEFAULTS.cpus,
      memoryMb: resources?.memoryMb || JOB_DEFAULTS.memoryMb,
      timeLimitSeconds: resources?.timeLimitSeconds || JOB_DEFAULTS.timeLimitSeconds,
      ...(resources?.partition ? { partition: resources.partition } : {}),
    },
    site: spec.site || defaultSite,
    ...(request.account ? { account: parseOrThrow(slurmAccountName, request.account, 'account') } : {}),
    ...(spec.array
      ? {
          array: {
            items: spec.array.items,
            itemsPerElement: spec.array.itemsPerElement || 1,
            ...(spec.array.throttle ? { throttle: spec.array.throttle } : {}),
          },
        }
      : {}),
  };
  // The public schema: fields only Cairn sets (run directory, item indices, nodes, GPUs) are refused.
  const parsed = parseOrThrow(publicJobSpecSchema, candidate, 'spec');
  const requestId = request.requestId ? parseOrThrow(requestIdSchema, request.requestId, 'request_id') : undefined;
  return { spec: parsed, ...(requestId ? { requestId } : {}) };
}

export function toJobId(jobId: string): string {
  return parseOrThrow(uuid, jobId, 'job_id');
}

/** A ListJobsRequest as the scheduler's query, but for who calls (the controller adds that). */
export function toListQuery(request: pb.ListJobsRequest): Omit<ListJobsQuery, 'caller' | 'peer' | 'rpc'> {
  return {
    ...pageRequest(request),
    states: request.states.map((s, i) => fromPbState(s, `states[${i}]`)),
    ...(request.site ? { site: parseOrThrow(siteName, request.site, 'site') } : {}),
  };
}

export function toOutputQuery(request: pb.GetJobOutputRequest) {
  if (request.maxBytes > 1 << 20) throw new CairnError('INVALID_ARGUMENT', 'max_bytes: must be at most 1048576');
  return {
    jobId: toJobId(request.jobId),
    stream: request.stream === pb.OutputStream.OUTPUT_STREAM_STDERR ? ('stderr' as const) : ('stdout' as const),
    maxBytes: request.maxBytes || 65_536,
  };
}

export function toPbJob(job: JobRecord): pb.Job {
  return {
    jobId: job.jobId,
    spec: {
      name: job.spec.name,
      image: job.spec.image,
      command: job.spec.command,
      env: job.spec.env,
      resources: {
        cpus: job.spec.resources.cpus,
        memoryMb: job.spec.resources.memoryMb,
        timeLimitSeconds: job.spec.resources.timeLimitSeconds,
        partition: job.spec.resources.partition ?? '',
      },
      site: job.spec.site,
      array: job.spec.array
        ? { items: job.spec.array.items, itemsPerElement: job.spec.array.itemsPerElement, throttle: job.spec.array.throttle ?? 0 }
        : undefined,
    },
    imageDigest: job.imageDigest,
    state: toPbState(job.state),
    exitCode: job.exitCode ?? undefined,
    slurmJobId: job.slurmJobId,
    reason: job.reason,
    createTime: new Date(job.createTime),
    updateTime: new Date(job.updateTime),
    attemptId: job.attemptId,
    owner: toPbOwner(job.owner),
    account: job.account,
  };
}

export function toPbOwner(owner: Owner): pb.Owner {
  return { issuer: owner.issuer, subject: owner.subject, name: owner.name, posixUser: owner.posixUser };
}

export function toPbEvent(event: JobEvent): pb.WatchJobResponse {
  return {
    jobId: event.jobId,
    sequence: event.sequence,
    state: toPbState(event.state),
    exitCode: event.exitCode ?? undefined,
    slurmJobId: event.slurmJobId,
    reason: event.reason,
    time: new Date(event.time),
  };
}
