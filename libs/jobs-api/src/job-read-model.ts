import { inScope, listScope } from '@cairn/access';
import { canTransition, isFinal, type JobEvent, type JobRecord, type JobState, type Principal } from '@cairn/contracts';

/** How much of the jobs' records the gateway keeps at most (JSON characters, about bytes); past it, the least recently used go. */
export const READ_MODEL_MAX_CHARS = 64 * 1024 * 1024;
/** At most this many jobs (with records or only their latest change) are kept. */
export const READ_MODEL_MAX_ENTRIES = 100_000;
/**
 * An unfinished job's record is answered from memory for at most this long after the
 * scheduler or its event stream last confirmed it; then it is asked for again (a bound on
 * staleness should a change never reach the stream, e.g. one the relay had to drop).
 */
export const READ_MODEL_CONFIRM_MS = 2000;

export interface ReadModelLimits {
  maxChars: number;
  maxEntries: number;
  confirmMs: number;
}

/** What a change of CAIRN_JOB_EVENTS tells of a job's record (the fields the scheduler's transition sets). */
type Change = Pick<JobEvent, 'state' | 'exitCode' | 'slurmJobId' | 'reason' | 'time'>;

/** A job's record as the scheduler answered it, or only its latest change seen before any record. */
interface Entry {
  record?: JobRecord;
  /** The latest change seen while no record was known: merged into the record when it comes. */
  change?: Change;
  chars: number;
  /** When the scheduler or the stream last confirmed it (ms). */
  confirmed: number;
}

/** A moment of the model, taken before a scheduler request whose answer may be remembered. */
export interface ReadMark {
  readonly generation: number;
}

/**
 * The gateway's read model of jobs (ADR 0017): the records the scheduler answered (SubmitJob,
 * GetJob, CancelJob), kept up to date by every change on CAIRN_JOB_EVENTS, so a GetJob is
 * answered from memory. It answers only what it is sure of; anything else is a miss and the
 * caller asks the scheduler (which applies the access policy again and audits the refusal).
 *
 * Why a remembered record is current: a job's record is its ACCEPTED record folded with its
 * transitions, and every transition moves the state to a strictly higher rank (the state
 * machine, `canTransition`), so the state alone orders versions. A record and a change are
 * merged by keeping the higher; a change is applied as the scheduler's transition applies
 * it (an exit code of null keeps the known one). The follower subscribes before the model
 * serves anything (`open`), so every change after a remembered answer reaches the model;
 * a change for a job not (yet) known is kept as the job's latest change and merged into its
 * record when the answer arrives. When entries are dropped (a limit) or the stream stops,
 * answers of requests begun before are not remembered (their `ReadMark` is stale). An
 * unfinished record not confirmed for READ_MODEL_CONFIRM_MS is a miss.
 */
export class JobReadModel {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private chars = 0;
  private live = false;

  private readonly limits: ReadModelLimits;

  constructor(
    limits: Partial<ReadModelLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { maxChars: READ_MODEL_MAX_CHARS, maxEntries: READ_MODEL_MAX_ENTRIES, confirmMs: READ_MODEL_CONFIRM_MS, ...limits };
  }

  /** The event stream is followed from now on: the model may answer (from an empty start). */
  open(): void {
    this.forget();
    this.live = true;
  }

  /** The event stream stopped: forget everything and answer nothing until `open`. */
  close(): void {
    this.forget();
    this.live = false;
  }

  /** Take before sending a request whose answer will be remembered. */
  mark(): ReadMark {
    return { generation: this.generation };
  }

  /**
   * The job's record if the model holds it and `caller` may read it (the access policy's
   * scope: own, a member project's, or anything for an admin). Undefined otherwise: ask the
   * scheduler, which answers (and audits) a refusal exactly as before.
   */
  read(jobId: string, caller: Principal): JobRecord | undefined {
    if (!this.live) return undefined;
    const entry = this.entries.get(jobId);
    if (!entry?.record) return undefined;
    if (!isFinal(entry.record.state) && this.now() - entry.confirmed > this.limits.confirmMs) return undefined;
    if (!inScope(listScope(caller), entry.record.owner, entry.record.account)) return undefined;
    this.touch(jobId, entry);
    return entry.record;
  }

  /** A record the scheduler answered, for a request sent after `mark`. Ignored when the mark is stale. */
  remember(record: JobRecord, mark: ReadMark): void {
    if (!this.live || mark.generation !== this.generation) return;
    const entry = this.entries.get(record.jobId);
    let merged = entry?.record && !newer(entry.record.state, record.state) ? entry.record : record;
    if (entry?.change && newer(merged.state, entry.change.state)) merged = applied(merged, entry.change);
    this.put(record.jobId, { record: merged, chars: sizeOf(merged), confirmed: this.now() });
  }

  /** A change from CAIRN_JOB_EVENTS (in any order, repeated or not). */
  apply(event: JobEvent): void {
    if (!this.live) return;
    const entry = this.entries.get(event.jobId);
    const change: Change = { state: event.state, exitCode: event.exitCode, slurmJobId: event.slurmJobId, reason: event.reason, time: event.time };
    if (entry?.record) {
      if (newer(entry.record.state, change.state)) this.put(event.jobId, { record: applied(entry.record, change), chars: entry.chars, confirmed: this.now() });
      return;
    }
    if (entry?.change && !newer(entry.change.state, change.state)) return;
    // Changes fold like records: an exit code or Slurm id an earlier change set is kept.
    const folded = entry?.change ? { ...change, exitCode: change.exitCode ?? entry.change.exitCode, slurmJobId: change.slurmJobId || entry.change.slurmJobId } : change;
    this.put(event.jobId, { change: folded, chars: CHANGE_CHARS, confirmed: this.now() });
  }

  get size(): number {
    return this.entries.size;
  }

  private put(jobId: string, entry: Entry): void {
    const old = this.entries.get(jobId);
    if (old) {
      this.chars -= old.chars;
      this.entries.delete(jobId);
    }
    this.entries.set(jobId, entry);
    this.chars += entry.chars;
    while (this.entries.size > 1 && (this.chars > this.limits.maxChars || this.entries.size > this.limits.maxEntries)) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.chars -= this.entries.get(oldest.value)?.chars ?? 0;
      this.entries.delete(oldest.value);
      // An answer under way may predate a change that is now forgotten.
      this.generation += 1;
    }
  }

  private touch(jobId: string, entry: Entry): void {
    this.entries.delete(jobId);
    this.entries.set(jobId, entry);
  }

  private forget(): void {
    this.entries.clear();
    this.chars = 0;
    this.generation += 1;
  }
}

/** Whether `to` is a later version than `from` (a transition the state machine allows). */
const newer = (from: JobState, to: JobState): boolean => canTransition(from, to);

/** The record after the scheduler's transition to `change` (JobStore.transition). */
function applied(record: JobRecord, change: Change): JobRecord {
  return {
    ...record,
    state: change.state,
    exitCode: change.exitCode ?? record.exitCode,
    slurmJobId: change.slurmJobId || record.slurmJobId,
    reason: change.reason,
    updateTime: change.time,
  };
}

const CHANGE_CHARS = 256;
const sizeOf = (record: JobRecord): number => JSON.stringify(record).length;
