import {
  type JobRecord,
  jobReply,
  type JobSpec,
  type ListJobsQuery,
  listJobsReply,
  outputReply,
  subjects,
} from '@cairn/contracts';
import { type BytePage, collectPages, type NatsRequester } from '@cairn/adapters/nats';

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

  /**
   * The last `maxBytes` of a job's output, read page by page (each page fits a NATS
   * message; the whole can be up to MAX_OUTPUT_BYTES).
   */
  async output(query: { jobId: string; stream: 'stdout' | 'stderr'; maxBytes: number }): Promise<{ data: Buffer; truncated: boolean }> {
    const page = async (offset?: number, end?: number): Promise<BytePage & { truncated: boolean }> => {
      const reply = await this.requester.request(subjects.scheduler.jobOutput, { ...query, offset, end }, outputReply, 15_000);
      const data = Buffer.from(reply.dataBase64, 'base64');
      // A reply without offsets is the whole window at once.
      const at = reply.offset ?? offset ?? 0;
      return { data, offset: at, end: reply.end ?? at + data.length, truncated: reply.truncated };
    };
    const first = await page();
    return { data: await collectPages(first, page), truncated: first.truncated };
  }
}
