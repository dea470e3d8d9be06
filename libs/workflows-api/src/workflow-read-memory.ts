import { inScope, listScope, scopedKey } from '@cairn/access';
import type { ListWorkflowsQuery, Principal, WorkflowEvent, WorkflowRecord } from '@cairn/contracts';
import { answerThrough, KeptAnswers, type KeptAnswersLimits } from '@cairn/grpc-server';

/** A ListWorkflows request as the scheduler gets it, without who asks (the scope stands for that). */
export type RunsPageQuery = Omit<ListWorkflowsQuery, 'caller' | 'peer' | 'rpc'>;

/** A page the scheduler answered. */
export interface RunsPage {
  workflows: WorkflowRecord[];
  nextPageToken: string;
}

/** At most this many runs and pages are kept; past it (or past WORKFLOW_MEMORY_MAX_CHARS) the least recently used go. */
export const WORKFLOW_MEMORY_MAX_ENTRIES = 10_000;
/** At most this many JSON characters (about bytes) of records and pages (a run's record is at most one NATS reply). */
export const WORKFLOW_MEMORY_MAX_CHARS = 64 * 1024 * 1024;
/**
 * A run or page is answered from memory for at most this long after the scheduler gave it
 * (a bound on staleness should a change never reach the stream, or one made through
 * another gateway be on its way).
 */
export const WORKFLOW_MEMORY_CONFIRM_MS = 2000;

export type WorkflowMemoryLimits = KeptAnswersLimits;

/** A moment of the memory, taken before the scheduler request whose answer may be remembered. */
export interface WorkflowMark {
  readonly version: number;
}

/**
 * GetWorkflow and ListWorkflows answers the scheduler gave through this gateway, answered
 * again from memory while nothing they show can have changed (ADR 0019). Everything a run's
 * record shows changes only together with an event of the run on CAIRN_WORKFLOW_EVENTS,
 * written in the same transaction (the engine's outbox; a step's job and Slurm ids too, see
 * WorkflowEngine.submitRecorded and followJobs). So:
 * - a run's record is kept until an event of that run arrives (or this gateway's own
 *   SubmitWorkflow or CancelWorkflow of it answers), and answered only to a caller whose
 *   list scope holds the run (`inScope`, the rule the scheduler's query applies: anyone else
 *   asks the scheduler, which answers NOT_FOUND and audits it as before);
 * - a page is keyed by the caller's list scope and the query, and every page is dropped on
 *   any event (a page is a function of the scope, the query and the runs table);
 * - an answer to a request under way while any event arrived is not kept (its mark is stale);
 * - nothing is answered while the stream is not followed, nor past WORKFLOW_MEMORY_CONFIRM_MS.
 */
export class WorkflowReadMemory {
  /** Runs and pages share the bounds; past one, of the two least recently used the one remembered earlier goes. */
  private readonly runs: KeptAnswers<WorkflowRecord>;
  private readonly pages: KeptAnswers<RunsPage>;
  private version = 0;

  constructor(limits: Partial<WorkflowMemoryLimits> = {}, now: () => number = Date.now) {
    this.runs = KeptAnswers.create<WorkflowRecord>({ maxEntries: WORKFLOW_MEMORY_MAX_ENTRIES, maxChars: WORKFLOW_MEMORY_MAX_CHARS, confirmMs: WORKFLOW_MEMORY_CONFIRM_MS, ...limits }, now);
    this.pages = this.runs.sibling<RunsPage>();
  }

  /** The event stream is followed from now on: the memory may answer (from an empty start). */
  open(): void {
    this.version += 1;
    this.runs.open();
  }

  /** The event stream stopped: forget everything and answer nothing until `open`. */
  close(): void {
    this.version += 1;
    this.runs.close();
  }

  /** An event of a run (any kind). */
  apply(event: Pick<WorkflowEvent, 'runId'>): void {
    this.changed(event.runId);
  }

  /**
   * The run changed (an event, or a SubmitWorkflow, CancelWorkflow, RunTemplate or Rerun of
   * this gateway, `onRunWrite`): its record and every page go (undefined: a new run whose id
   * is not known, so only the pages).
   */
  changed(runId: string | undefined): void {
    this.version += 1;
    if (runId !== undefined) this.runs.delete(runId);
    this.pages.clear();
  }

  /** Take before sending the request whose answer will be remembered. */
  mark(): WorkflowMark {
    return { version: this.version };
  }

  /** The run's record if it is current and `caller` may read it; undefined: ask the scheduler. */
  readRun(runId: string, caller: Principal): WorkflowRecord | undefined {
    const record = this.runs.get(runId);
    if (!record || !inScope(listScope(caller), record.owner, record.account)) return undefined;
    return record;
  }

  /** The scheduler's record, for a request sent after `mark`; ignored when any run changed since. */
  rememberRun(record: WorkflowRecord, mark: WorkflowMark): void {
    if (mark.version === this.version) this.runs.set(record.runId, record);
  }

  /** The scheduler's page for this scope and query if it is current; undefined: ask the scheduler. */
  readPage(query: RunsPageQuery, caller: Principal): RunsPage | undefined {
    return this.pages.get(scopedKey(listScope(caller), query));
  }

  /** The scheduler's page, for a request sent after `mark`; ignored when any run changed since. */
  rememberPage(query: RunsPageQuery, caller: Principal, page: RunsPage, mark: WorkflowMark): void {
    if (mark.version === this.version) this.pages.set(scopedKey(listScope(caller), query), page);
  }

  get size(): number {
    return this.runs.size + this.pages.size;
  }
}

/** A GetWorkflow through the memory: its record when current and readable by the caller; `ask` (the scheduler) otherwise, remembered. */
export function runThrough(memory: WorkflowReadMemory | undefined, runId: string, caller: Principal, ask: () => Promise<WorkflowRecord>): Promise<WorkflowRecord> {
  return answerThrough(memory && { read: () => memory.readRun(runId, caller), mark: () => memory.mark(), remember: (record: WorkflowRecord, mark: WorkflowMark) => memory.rememberRun(record, mark) }, ask);
}

/** A ListWorkflows through the memory: the page when current for the caller's scope and the query; `ask` (the scheduler) otherwise, remembered. */
export function runsPageThrough(memory: WorkflowReadMemory | undefined, query: RunsPageQuery, caller: Principal, ask: () => Promise<RunsPage>): Promise<RunsPage> {
  return answerThrough(memory && { read: () => memory.readPage(query, caller), mark: () => memory.mark(), remember: (page: RunsPage, mark: WorkflowMark) => memory.rememberPage(query, caller, page, mark) }, ask);
}
