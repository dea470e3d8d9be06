import {
  attemptItemsReply,
  CairnError,
  type Called,
  type ErrorCode,
  type JobRecord,
  type JobSpec,
  type RunFacts,
  runFileReply,
  runGlobReply,
  type SiteDescription,
  subjects,
} from '@cairn/contracts';
import { collectPages, type JobsClient, type NatsRequester } from '@cairn/adapters/nats';
import { RenderError } from '@cairn/workflow-planner';

/** What the engine needs from Cairn's job service (over NATS, its public contract). */
export abstract class JobsPort {
  /** Submits on behalf of the run's owner (see onBehalfOf). */
  abstract submit(spec: JobSpec, requestId: string, onBehalf: Called): Promise<JobRecord>;
  abstract byIds(jobIds: string[]): Promise<JobRecord[]>;
  abstract cancel(jobId: string, onBehalf: Called): Promise<JobRecord>;
}

/** An array item's record: its exit code, how long it ran, and (asked with `facts`) what its wrapper measured. */
export interface ItemResult {
  item: number;
  exitCode: number;
  seconds?: number;
  run?: RunFacts;
}

/** What the engine needs from a site's agent: files of a run, item results, the cluster. */
export abstract class SitePort {
  abstract readRunFile(site: string, runId: string, path: string, maxBytes: number): Promise<{ exists: boolean; data: Buffer; truncated: boolean }>;
  abstract globRun(site: string, runId: string, pattern: string, limit: number): Promise<string[]>;
  /** The attempt's item records; with `facts`, each with its run facts (asked page by page). */
  abstract itemResults(site: string, attemptId: string, options?: { facts?: boolean }): Promise<ItemResult[]>;
  abstract describe(site: string): Promise<SiteDescription>;
}

/** JobsPort over the scheduler's job service: the shared typed client, as the engine needs it. */
export class NatsJobsPort extends JobsPort {
  constructor(private readonly jobs: JobsClient) {
    super();
  }

  submit(spec: JobSpec, requestId: string, onBehalf: Called): Promise<JobRecord> {
    return this.jobs.submit(spec, requestId, onBehalf);
  }

  byIds(jobIds: string[]): Promise<JobRecord[]> {
    return this.jobs.byIds(jobIds);
  }

  cancel(jobId: string, onBehalf: Called): Promise<JobRecord> {
    return this.jobs.cancel(jobId, onBehalf);
  }
}

export class NatsSitePort extends SitePort {
  constructor(
    private readonly requester: NatsRequester,
    private readonly describeSite: (site: string) => Promise<SiteDescription>,
  ) {
    super();
  }

  /** Reads up to `maxBytes` of a run file page by page (each page fits a NATS message). */
  async readRunFile(site: string, runId: string, path: string, maxBytes: number) {
    const ask = async (offset: number) => {
      const reply = await this.requester.request(subjects.site(site).readRunFile, { runId, path, maxBytes, offset }, runFileReply, 15_000);
      const data = Buffer.from(reply.dataBase64, 'base64');
      // An agent without paging sends the whole read at once (no size).
      return { reply, page: { data, offset, end: Math.min(maxBytes, reply.size ?? offset + data.length) } };
    };
    const first = await ask(0);
    if (!first.reply.exists) return { exists: false, data: Buffer.alloc(0), truncated: false };
    const data = await collectPages(first.page, async (offset) => (await ask(offset)).page);
    return { exists: true, data, truncated: first.reply.truncated };
  }

  /** Every match, page by page (each page fits a NATS message). */
  async globRun(site: string, runId: string, pattern: string, limit: number): Promise<string[]> {
    const paths: string[] = [];
    for (;;) {
      const page = await this.requester.request(subjects.site(site).globRun, { runId, pattern, limit, offset: paths.length }, runGlobReply, 30_000);
      for (const path of page.paths) paths.push(path);
      if (!page.more || page.paths.length === 0) return paths;
    }
  }

  async itemResults(site: string, attemptId: string, options: { facts?: boolean } = {}): Promise<ItemResult[]> {
    if (!options.facts) return (await this.requester.request(subjects.site(site).items, { attemptId }, attemptItemsReply, 15_000)).items;
    const items: ItemResult[] = [];
    for (;;) {
      const page = await this.requester.request(subjects.site(site).items, { attemptId, facts: true, offset: items.length }, attemptItemsReply, 15_000);
      for (const item of page.items) items.push(item);
      if (!page.more || page.items.length === 0) return items;
    }
  }

  describe(site: string): Promise<SiteDescription> {
    return this.describeSite(site);
  }
}

/** A refusal of a port call, as the engine treats it. */
export interface Refusal {
  /** Transient: the other side may answer later (retried with backoff, up to a bound). */
  transient: boolean;
  code: ErrorCode;
  /** The other side's reason, at most MAX_REFUSAL_CHARS characters. */
  message: string;
}

const MAX_REFUSAL_CHARS = 1000;

/**
 * The one place where a refusal from the agent or the job service is classified: a
 * request the other side will never accept (bad argument, missing or forbidden file, a
 * limit) is permanent; a side that does not answer, answers late or fails inside is
 * transient. Anything that is not a CairnError is not a refusal (undefined).
 */
export function classifyRefusal(error: unknown): Refusal | undefined {
  if (!(error instanceof CairnError)) return undefined;
  const message = error.message.length > MAX_REFUSAL_CHARS ? `${error.message.slice(0, MAX_REFUSAL_CHARS)}...` : error.message;
  return { transient: isTransient(error.code), code: error.code, message };
}

function isTransient(code: ErrorCode): boolean {
  switch (code) {
    case 'UNAVAILABLE':
    case 'DEADLINE_EXCEEDED':
    case 'INTERNAL':
      return true;
    case 'INVALID_ARGUMENT':
    case 'NOT_FOUND':
    case 'ALREADY_EXISTS':
    case 'FAILED_PRECONDITION':
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
    case 'RESOURCE_EXHAUSTED':
    case 'UNIMPLEMENTED':
      return false;
  }
}

/**
 * Asks the site (or the job service) through `call`; a permanent refusal becomes a
 * RenderError that names `what` was asked, so the step fails with the agent's reason.
 * Transient refusals and other errors pass through unchanged.
 */
export async function orRenderError<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const refusal = classifyRefusal(error);
    if (refusal && !refusal.transient) throw new RenderError(`${what}: ${refusal.message}`);
    throw error;
  }
}
