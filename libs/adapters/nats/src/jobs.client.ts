import { schedulerTimeouts, type SchedulerTimeouts } from '@cairn/config';
import {
  CairnError,
  type Called,
  type JobRecord,
  jobReply,
  type JobSpec,
  jobsReply,
  type ListJobsQuery,
  jsonBytes,
  listJobsReply,
  MAX_SUBMIT_BATCH,
  outputReply,
  parseOrThrow,
  subjects,
  SUBMIT_REPLY_ALLOWANCE,
  submitJobsReply,
  type Usage,
  usageReply,
} from '@cairn/contracts';
import { openEnvelope } from './envelope';
import { type NatsRequester, NoRespondersError } from './nats-requester';
import { type BytePage, collectPages } from './paged-read';
import { type ItemOutcome, TurnBatcher } from './turn-batcher';

/** What a client needs of the transport (the NatsRequester, or a stand-in in unit specs). */
export type SchedulerRequester = Pick<NatsRequester, 'request' | 'maxPayload'>;

type SubmitItem = { spec: JobSpec; requestId: string | undefined } & Called;

/**
 * The scheduler's job service as a typed client over NATS (its public contract): one for
 * every caller (the gateway's gRPC API and the workflow engine), with one set of time-outs.
 */
export class JobsClient {
  /** SubmitJobs made in the same turn of the event loop go to the scheduler in one request. */
  private readonly submissions: TurnBatcher<SubmitItem, JobRecord>;

  constructor(
    private readonly requester: SchedulerRequester,
    private readonly timeouts: SchedulerTimeouts = schedulerTimeouts,
  ) {
    this.submissions = new TurnBatcher<SubmitItem, JobRecord>({
      one: (item) => this.submitOne(item),
      many: (items) => this.submitMany(items),
      maxItems: MAX_SUBMIT_BATCH,
      // Each item's answer is at most the item and its allowance (SUBMIT_REPLY_ALLOWANCE), so a
      // request within half of max_payload gets an answer within it, with room for the envelope.
      maxBytes: () => this.requester.maxPayload() / 2,
      size: (item) => jsonBytes(item) + SUBMIT_REPLY_ALLOWANCE,
      // A repeated request id is answered with its first job, whatever its size.
      alone: (item) => item.requestId !== undefined,
    });
  }

  /**
   * Every call but byIds carries who calls (`who`: the caller and the peer), which the
   * scheduler's access policy applies. Submissions made in the same turn of the event loop
   * without request ids go in one scheduler.jobs.submit-many request, each with its own
   * caller, checks and answer.
   */
  submit(spec: JobSpec, requestId: string | undefined, who: Called): Promise<JobRecord> {
    return this.submissions.add({ spec, requestId, ...who });
  }

  private async submitOne(item: SubmitItem): Promise<JobRecord> {
    return (await this.requester.request(subjects.scheduler.submitJob, item, jobReply, this.timeouts.submitJob)).job;
  }

  private async submitMany(items: SubmitItem[]): Promise<ItemOutcome<JobRecord>[]> {
    let results: unknown[];
    try {
      ({ results } = await this.requester.request(subjects.scheduler.submitJobs, { items }, submitJobsReply, this.timeouts.submitJob));
    } catch (error) {
      // A scheduler from before submit-many (during an upgrade): nothing was taken, so each goes alone.
      if (!(error instanceof NoRespondersError)) throw error;
      return Promise.all(items.map((item) => this.submitOne(item).then((value) => ({ value }), (failure: unknown) => ({ error: failure }))));
    }
    if (results.length !== items.length) throw new CairnError('INTERNAL', `malformed reply on ${subjects.scheduler.submitJobs}: ${results.length} answers for ${items.length} jobs`);
    return results.map((result) => {
      let data: unknown;
      try {
        data = openEnvelope(result);
      } catch (error) {
        return { error };
      }
      try {
        return { value: parseOrThrow(jobReply, data).job };
      } catch (error) {
        return { error: new CairnError('INTERNAL', `malformed reply on ${subjects.scheduler.submitJobs}: ${(error as Error).message}`) };
      }
    });
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

  /** The caller's unfinished jobs and their accounts' against the run limits. */
  usage(who: Called): Promise<Usage> {
    return this.requester.request(subjects.scheduler.jobUsage, { ...who }, usageReply, this.timeouts.jobUsage);
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
