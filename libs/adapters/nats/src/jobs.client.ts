import { schedulerTimeouts, type SchedulerTimeouts } from '@cairn/config';
import {
  type Called,
  type JobRecord,
  jobReply,
  type JobSpec,
  jobsReply,
  type ListJobsQuery,
  listJobsReply,
  outputReply,
  subjects,
} from '@cairn/contracts';
import type { NatsRequester } from './nats-requester';

/** What a client needs of the transport (the NatsRequester, or a stand-in in unit specs). */
export type SchedulerRequester = Pick<NatsRequester, 'request'>;
import { type BytePage, collectPages } from './paged-read';

/**
 * The scheduler's job service as a typed client over NATS (its public contract): one for
 * every caller (the gateway's gRPC API and the workflow engine), with one set of time-outs.
 */
export class JobsClient {
  constructor(
    private readonly requester: SchedulerRequester,
    private readonly timeouts: SchedulerTimeouts = schedulerTimeouts,
  ) {}

  /** Every call but byIds carries who calls (`who`: the caller and the peer), which the scheduler's access policy applies. */
  async submit(spec: JobSpec, requestId: string | undefined, who: Called): Promise<JobRecord> {
    return (await this.requester.request(subjects.scheduler.submitJob, { spec, requestId, ...who }, jobReply, this.timeouts.submitJob)).job;
  }

  async get(jobId: string, who: Called): Promise<JobRecord> {
    return (await this.requester.request(subjects.scheduler.getJob, { jobId, ...who }, jobReply, this.timeouts.getJob)).job;
  }

  /** The jobs among these ids; asks again for the ids a full reply left out, until every job is answered. */
  async byIds(jobIds: string[]): Promise<JobRecord[]> {
    const jobs: JobRecord[] = [];
    let ask = jobIds;
    while (ask.length > 0) {
      const reply = await this.requester.request(subjects.scheduler.jobsById, { jobIds: ask }, jobsReply, this.timeouts.jobsById);
      jobs.push(...reply.jobs);
      // Always progress: a reply carries at least one job or it has no remaining.
      ask = reply.jobs.length > 0 ? (reply.remaining ?? []) : [];
    }
    return jobs;
  }

  async cancel(jobId: string, who: Called): Promise<JobRecord> {
    return (await this.requester.request(subjects.scheduler.cancelJob, { jobId, ...who }, jobReply, this.timeouts.cancelJob)).job;
  }

  list(query: ListJobsQuery) {
    return this.requester.request(subjects.scheduler.listJobs, query, listJobsReply, this.timeouts.listJobs);
  }

  /**
   * The last `maxBytes` of a job's output, read page by page (each page fits a NATS
   * message; the whole can be up to MAX_OUTPUT_BYTES).
   */
  async output(query: { jobId: string; stream: 'stdout' | 'stderr'; maxBytes: number } & Called): Promise<{ data: Buffer; truncated: boolean }> {
    const page = async (offset?: number, end?: number): Promise<BytePage & { truncated: boolean }> => {
      const reply = await this.requester.request(subjects.scheduler.jobOutput, { ...query, offset, end }, outputReply, this.timeouts.jobOutputPage);
      const data = Buffer.from(reply.dataBase64, 'base64');
      // A reply without offsets is the whole window at once.
      const at = reply.offset ?? offset ?? 0;
      return { data, offset: at, end: reply.end ?? at + data.length, truncated: reply.truncated };
    };
    const first = await page();
    return { data: await collectPages(first, page), truncated: first.truncated };
  }
}
