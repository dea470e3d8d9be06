import { inScope, type ListScope, listScope, scopedKey } from '@cairn/access';
import type { JobEvent, JobRecord, ListJobsQuery, Principal } from '@cairn/contracts';
import { answerThrough, Flights, KeptAnswers } from '@cairn/grpc-server';

/** A ListJobs request as the scheduler gets it, without who asks (the scope stands for that). */
export type ListPageQuery = Omit<ListJobsQuery, 'caller' | 'peer' | 'rpc'>;

/** A page the scheduler answered. */
export interface ListPage {
  jobs: JobRecord[];
  nextPageToken: string;
}

/** At most this many pages are kept; past it (or past LIST_MEMORY_MAX_CHARS) the least recently used go. */
export const LIST_MEMORY_MAX_PAGES = 2000;
/** At most this many JSON characters (about bytes) of remembered pages. */
export const LIST_MEMORY_MAX_CHARS = 16 * 1024 * 1024;
/**
 * A page is answered from memory for at most this long after the scheduler gave it; then it
 * is asked for again (a bound on staleness should a change never reach the stream, e.g. one
 * the relay had to drop, or one committed through another gateway whose event is on its way).
 */
export const LIST_MEMORY_CONFIRM_MS = 2000;

export interface ListMemoryLimits {
  maxPages: number;
  maxChars: number;
  confirmMs: number;
}

/** A moment of the memory, taken before the scheduler request whose answer may be remembered. */
export interface ListMark {
  readonly version: number;
}

/** Whose a job is: all a list scope looks at (it never changes after the job's insert). */
interface Whose {
  issuer: string;
  subject: string;
  account: string;
}

interface Kept {
  page: ListPage;
  scope: ListScope;
}

/** How many jobs' owners and accounts are known at most (a change of an unknown job drops every page). */
const MAX_KNOWN_JOBS = 100_000;
/** How many recent changes are kept to check answers under way against (an older mark is stale). */
const RECENT_CHANGES = 4096;

/**
 * ListJobs pages the scheduler answered through this gateway, answered again from memory for
 * as long as no job inside the page's scope has changed since (ADR 0019). The scheduler's
 * page is a function of the caller's list scope (`listScope` of libs/access: all, or an owner
 * and member accounts), the query and the jobs of that scope, nothing else (JobService.list;
 * lists are not audited). So a page it gave for one scope and query is its answer to any
 * caller with that scope and the same query, until a job of that scope is inserted or
 * changes. Every insert and change of a job reaches the gateway on CAIRN_JOB_EVENTS (the
 * outbox: written with the change, in its transaction), and this gateway's own SubmitJob and
 * CancelJob answers arrive before their events do: either drops the pages whose scope holds
 * the job (its owner and account, from the ACCEPTED event's facts or any record the
 * scheduler answered; every page when the job is not known). Answers of requests begun
 * before such a change are not kept (their mark is checked against the recent changes).
 * While the event stream is not followed, nothing is answered.
 *
 * Identical misses at the same moment are joined (single flight): a list for a scope and query
 * whose scheduler request is under way takes that request's answer instead of asking again,
 * exactly when that answer could still be kept (the same check as `remember`: no job of the
 * scope, nor an unknown one, changed since it was sent). So the answer a list joins is as
 * current as one it would have asked for: a list begun after a change the caller made through
 * this gateway (dropped before the acknowledgement) never joins a request sent before it.
 *
 * Under a steady stream of changes of its scope a list goes to the scheduler, as before;
 * the lists of someone whose jobs do not change (a portal or a CLI polling) come from memory
 * whatever others run (but an admin's, whose scope is everything).
 */
export class JobListMemory {
  private readonly pages: KeptAnswers<Kept>;
  /** Scheduler requests under way, by scope and query, that an identical list may join. */
  private readonly flights = new Flights<ListPage, ListMark>();
  /** Owner and account of the jobs seen (facts of ACCEPTED events, records the scheduler answered). */
  private readonly known = new Map<string, Whose>();
  /** The latest changes, oldest first: `undefined` whose when the job was not known. */
  private recent: { version: number; whose: Whose | undefined }[] = [];
  private version = 0;
  /** Marks older than this are stale (the stream restarted, or their changes are no longer in `recent`). */
  private floor = 0;

  constructor(limits: Partial<ListMemoryLimits> = {}, now: () => number = Date.now) {
    const { maxPages, maxChars, confirmMs } = { maxPages: LIST_MEMORY_MAX_PAGES, maxChars: LIST_MEMORY_MAX_CHARS, confirmMs: LIST_MEMORY_CONFIRM_MS, ...limits };
    this.pages = KeptAnswers.create<Kept>({ maxEntries: maxPages, maxChars, confirmMs }, now);
  }

  /** The event stream is followed from now on: the memory may answer (from an empty start). */
  open(): void {
    this.forget();
    this.pages.open();
  }

  /** The event stream stopped: forget everything and answer nothing until `open`. */
  close(): void {
    this.forget();
    this.pages.close();
  }

  /**
   * A job was inserted or changed by this gateway's SubmitJob or CancelJob (its record, as
   * the scheduler answered), or some job changed (none given: every page goes).
   */
  changed(job?: Pick<JobRecord, 'jobId' | 'owner' | 'account'>): void {
    if (job) this.learn(job.jobId, { issuer: job.owner.issuer, subject: job.owner.subject, account: job.account });
    this.change(job ? this.known.get(job.jobId) : undefined);
  }

  /** A change from CAIRN_JOB_EVENTS (any job, any kind). */
  apply(event: JobEvent): void {
    if (event.facts) this.learn(event.jobId, { issuer: event.facts.owner.issuer, subject: event.facts.owner.subject, account: event.facts.account });
    this.change(this.known.get(event.jobId));
  }

  /** Take before sending the request whose answer will be remembered. */
  mark(): ListMark {
    return { version: this.version };
  }

  /** The scheduler's page for this scope and query if it is current; undefined: ask the scheduler. */
  read(query: ListPageQuery, caller: Principal): ListPage | undefined {
    return this.pages.get(scopedKey(listScope(caller), query))?.page;
  }

  /** The answer of the scheduler request under way for this scope and query, if it could still be kept; undefined: ask the scheduler. */
  join(query: ListPageQuery, caller: Principal): Promise<ListPage> | undefined {
    if (!this.pages.live) return undefined;
    const scope = listScope(caller);
    return this.flights.join(scopedKey(scope, query), (mark) => this.current(scope, mark));
  }

  /** A scheduler request for this scope and query, sent after `mark`, is under way: identical lists may join it. */
  flying(query: ListPageQuery, caller: Principal, answer: Promise<ListPage>, mark: ListMark): void {
    if (this.pages.live) this.flights.start(scopedKey(listScope(caller), query), mark, answer);
  }

  /** The scheduler's answer to a request sent after `mark`; ignored when a job of the caller's scope (or an unknown one) changed since. */
  remember(query: ListPageQuery, caller: Principal, page: ListPage, mark: ListMark): void {
    // Whose the listed jobs are is true whenever the answer was given.
    for (const job of page.jobs) this.learn(job.jobId, { issuer: job.owner.issuer, subject: job.owner.subject, account: job.account });
    const scope = listScope(caller);
    if (!this.current(scope, mark)) return;
    const key = scopedKey(scope, query);
    this.pages.set(key, { page, scope }, JSON.stringify(page).length + key.length);
  }

  get size(): number {
    return this.pages.size;
  }

  /** Whether an answer for `scope` asked after `mark` is still current: open, and no job of the scope (or an unknown one) changed since. */
  private current(scope: ListScope, mark: ListMark): boolean {
    if (!this.pages.live || mark.version < this.floor) return false;
    return !this.recent.some((change) => change.version > mark.version && touches(scope, change.whose));
  }

  private change(whose: Whose | undefined): void {
    this.version += 1;
    this.recent.push({ version: this.version, whose });
    if (this.recent.length > RECENT_CHANGES) {
      const gone = this.recent.shift();
      // A mark from before the change just forgotten cannot be checked any more.
      if (gone) this.floor = gone.version;
    }
    for (const [key, kept] of this.pages.entries()) if (touches(kept.scope, whose)) this.pages.delete(key);
  }

  private learn(jobId: string, whose: Whose): void {
    if (this.known.has(jobId)) return;
    this.known.set(jobId, whose);
    if (this.known.size > MAX_KNOWN_JOBS) {
      const oldest = this.known.keys().next();
      if (!oldest.done) this.known.delete(oldest.value);
    }
  }

  private forget(): void {
    this.pages.clear();
    this.flights.clear();
    this.recent = [];
    this.version += 1;
    this.floor = this.version;
  }
}

/** Whether a change of a job of `whose` (undefined: not known) can change a page of `scope`. */
const touches = (scope: ListScope, whose: Whose | undefined): boolean => !whose || inScope(scope, whose, whose.account);

/**
 * A ListJobs answered by the memory when it holds a current page for the caller's scope and
 * this query; else by the scheduler request under way for them, if its answer could still be
 * kept; otherwise `ask` (the scheduler), whose answer is remembered unless a job changed
 * while it was under way.
 */
export function listThrough(memory: JobListMemory | undefined, query: ListPageQuery, caller: Principal, ask: () => Promise<ListPage>): Promise<ListPage> {
  return answerThrough(
    memory && {
      read: () => memory.read(query, caller),
      join: () => memory.join(query, caller),
      mark: () => memory.mark(),
      flying: (answer: Promise<ListPage>, mark: ListMark) => memory.flying(query, caller, answer, mark),
      remember: (page: ListPage, mark: ListMark) => memory.remember(query, caller, page, mark),
    },
    ask,
  );
}
