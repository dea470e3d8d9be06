import type { JobRecord, Principal } from '@cairn/contracts';
import { Flights } from '@cairn/grpc-server';
import type { JobReadModel, ReadMark } from './job-read-model';

const settled = (): void => undefined;

/**
 * Requests a call waits for at most, one after another, before it asks the scheduler itself:
 * when the one it joined answered nothing it may read, it may join the next one under way
 * (asked by another call in the same case), once.
 */
const MAX_JOINS = 2;

/**
 * GetJob through the read model (ADR 0017), with misses joined: while the scheduler's answer
 * for a job is under way (asked by a GetJob the model could not answer), another GetJob of
 * that job that the model cannot answer either waits for that answer instead of asking the
 * scheduler once more, then asks the model again. An unfinished job's record goes stale in
 * the model every READ_MODEL_CONFIRM_MS; without the join, every call in flight at that moment
 * sent its own scheduler request (16 at 16 in flight), and they queued behind each other.
 *
 * A joined call's answer is the model's, read for its own caller once the awaited answer is
 * remembered, so it is what a hit would be: the access policy's scope is the caller's own, the
 * record the newest the model holds (the answer merged with every change seen since, the
 * caller's own acknowledged SubmitJob or CancelJob included), and confirmed a moment ago. When
 * the model still cannot answer it (the caller may not read the job, the answer was not kept,
 * or the request failed, maybe for its first caller only), the call asks the scheduler itself,
 * which answers, refuses and audits exactly as before.
 */
export class JobReadJoins {
  /** Scheduler requests under way, by job id (the newest for a job is the one joined). */
  private readonly flights = new Flights<JobRecord, ReadMark>();

  constructor(private readonly model: JobReadModel) {}

  /** The job for `caller`: from the model, after a request under way, or `ask` (the scheduler), remembered. */
  read(jobId: string, caller: Principal, ask: () => Promise<JobRecord>): Promise<JobRecord> {
    const known = this.model.read(jobId, caller);
    if (known) return Promise.resolve(known);
    return this.after(this.underWay(jobId), jobId, caller, ask, MAX_JOINS);
  }

  /** How many jobs have a scheduler request under way. */
  get size(): number {
    return this.flights.size;
  }

  /** The request under way for the job. Any may be joined: a joined call reads the model again for its own caller. */
  private underWay(jobId: string): Promise<JobRecord> | undefined {
    return this.flights.join(jobId, () => true);
  }

  /** Once `under` settled (none: at once), the model's record for `caller`; else a newer request under way (`joins` left), else `ask`. */
  private after(under: Promise<JobRecord> | undefined, jobId: string, caller: Principal, ask: () => Promise<JobRecord>, joins: number): Promise<JobRecord> {
    if (!under || joins === 0) return this.ask(jobId, ask);
    return under.then(settled, settled).then(() => {
      const known = this.model.read(jobId, caller);
      if (known) return known;
      const next = this.underWay(jobId);
      return this.after(next === under ? undefined : next, jobId, caller, ask, joins - 1);
    });
  }

  private ask(jobId: string, ask: () => Promise<JobRecord>): Promise<JobRecord> {
    const mark = this.model.mark();
    const answer = ask().then((job) => {
      this.model.remember(job, mark);
      return job;
    });
    this.flights.start(jobId, mark, answer);
    return answer;
  }
}
