import {
  attemptItemsReply,
  jobReply,
  jobsReply,
  type JobRecord,
  type JobSpec,
  runFileReply,
  runGlobReply,
  type SiteDescription,
  subjects,
} from '@cairn/contracts';
import type { NatsRequester } from '@cairn/adapters/nats';

/** What the engine needs from Cairn's job service (over NATS, its public contract). */
export abstract class JobsPort {
  abstract submit(spec: JobSpec, requestId: string): Promise<JobRecord>;
  abstract byIds(jobIds: string[]): Promise<JobRecord[]>;
  abstract cancel(jobId: string): Promise<JobRecord>;
}

/** What the engine needs from a site's agent: files of a run, item results, the cluster. */
export abstract class SitePort {
  abstract readRunFile(site: string, runId: string, path: string, maxBytes: number): Promise<{ exists: boolean; data: Buffer; truncated: boolean }>;
  abstract globRun(site: string, runId: string, pattern: string, limit: number): Promise<string[]>;
  abstract itemResults(site: string, attemptId: string): Promise<{ item: number; exitCode: number; seconds?: number }[]>;
  abstract describe(site: string): Promise<SiteDescription>;
}

export class NatsJobsPort extends JobsPort {
  constructor(private readonly requester: NatsRequester) {
    super();
  }

  async submit(spec: JobSpec, requestId: string): Promise<JobRecord> {
    return (await this.requester.request(subjects.scheduler.submitJob, { spec, requestId }, jobReply, 30_000)).job;
  }

  async byIds(jobIds: string[]): Promise<JobRecord[]> {
    return (await this.requester.request(subjects.scheduler.jobsById, { jobIds }, jobsReply)).jobs;
  }

  async cancel(jobId: string): Promise<JobRecord> {
    return (await this.requester.request(subjects.scheduler.cancelJob, { jobId }, jobReply)).job;
  }
}

export class NatsSitePort extends SitePort {
  constructor(
    private readonly requester: NatsRequester,
    private readonly describeSite: (site: string) => Promise<SiteDescription>,
  ) {
    super();
  }

  async readRunFile(site: string, runId: string, path: string, maxBytes: number) {
    const reply = await this.requester.request(subjects.site(site).readRunFile, { runId, path, maxBytes }, runFileReply, 15_000);
    return { exists: reply.exists, data: Buffer.from(reply.dataBase64, 'base64'), truncated: reply.truncated };
  }

  async globRun(site: string, runId: string, pattern: string, limit: number): Promise<string[]> {
    return (await this.requester.request(subjects.site(site).globRun, { runId, pattern, limit }, runGlobReply, 30_000)).paths;
  }

  async itemResults(site: string, attemptId: string) {
    return (await this.requester.request(subjects.site(site).items, { attemptId }, attemptItemsReply, 15_000)).items;
  }

  describe(site: string): Promise<SiteDescription> {
    return this.describeSite(site);
  }
}
