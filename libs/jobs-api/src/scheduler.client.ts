import {
  type JobRecord,
  jobReply,
  type JobSpec,
  type ListJobsQuery,
  listJobsReply,
  outputReply,
  subjects,
} from '@cairn/contracts';
import type { NatsRequester } from '@cairn/adapters/nats';

/** The gateway's view of the scheduler: typed requests over NATS. */
export class SchedulerClient {
  constructor(private readonly requester: NatsRequester) {}

  async submit(spec: JobSpec, requestId?: string): Promise<JobRecord> {
    return (await this.requester.request(subjects.scheduler.submitJob, { spec, requestId }, jobReply, 20_000)).job;
  }

  async get(jobId: string): Promise<JobRecord> {
    return (await this.requester.request(subjects.scheduler.getJob, { jobId }, jobReply)).job;
  }

  async cancel(jobId: string): Promise<JobRecord> {
    return (await this.requester.request(subjects.scheduler.cancelJob, { jobId }, jobReply)).job;
  }

  list(query: ListJobsQuery) {
    return this.requester.request(subjects.scheduler.listJobs, query, listJobsReply);
  }

  output(query: { jobId: string; stream: 'stdout' | 'stderr'; maxBytes: number }) {
    return this.requester.request(subjects.scheduler.jobOutput, query, outputReply, 15_000);
  }
}
