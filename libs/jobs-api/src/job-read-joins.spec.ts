import fc from 'fast-check';
import { canRead } from '@cairn/access';
import { CairnError, type JobRecord, type Principal } from '@cairn/contracts';
import { acceptedJobRecord, principals } from '@cairn/testing';
import { JobReadJoins } from './job-read-joins';
import { JobReadModel } from './job-read-model';

const JOB = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';

/** A scheduler whose GetJob answers wait until `answer` or `fail` is called; counts its requests. */
class Scheduler {
  requests: Principal[] = [];
  private waiting: Array<{ resolve: (job: JobRecord) => void; reject: (error: Error) => void; caller: Principal }> = [];

  constructor(public record: JobRecord) {}

  ask(caller: Principal): () => Promise<JobRecord> {
    return () => {
      this.requests.push(caller);
      return new Promise((resolve, reject) => this.waiting.push({ resolve, reject, caller }));
    };
  }

  /** Answers every request under way as the scheduler would: the record, or NOT_FOUND for who may not read it. */
  answerAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const each of waiting) {
      if (canRead(each.caller, this.record.owner, this.record.account)) each.resolve(this.record);
      else each.reject(new CairnError('NOT_FOUND', 'no such job'));
    }
  }

  failAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const each of waiting) each.reject(new CairnError('UNAVAILABLE', 'scheduler unavailable'));
  }
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const outcome = (p: Promise<JobRecord>) => p.then((job) => ({ job }), (error: unknown) => ({ error: (error as CairnError).code }));

function setup(record = acceptedJobRecord(JOB, principals.alice, 'alice-lab')) {
  const model = new JobReadModel();
  model.open();
  return { model, joins: new JobReadJoins(model), scheduler: new Scheduler(record) };
}

describe('JobReadJoins (GetJob misses of the same job joined)', () => {
  it('sends one scheduler request for any number of GetJobs of a job the model misses at the same moment', async () => {
    const { joins, scheduler } = setup();
    const calls = Array.from({ length: 16 }, () => joins.read(JOB, principals.alice, scheduler.ask(principals.alice)));
    await settle();
    expect(scheduler.requests).toHaveLength(1);
    scheduler.answerAll();
    const answers = await Promise.all(calls);
    expect(answers.map((job) => job.jobId)).toEqual(Array(16).fill(JOB));
    expect(scheduler.requests).toHaveLength(1);
    // Remembered: the next one is a hit.
    await joins.read(JOB, principals.alice, scheduler.ask(principals.alice));
    expect(scheduler.requests).toHaveLength(1);
    expect(joins.size).toBe(0);
  });

  it('answers a joined call only what its own caller may read: anyone else asks the scheduler, which refuses', async () => {
    const { joins, scheduler } = setup();
    const alice = joins.read(JOB, principals.alice, scheduler.ask(principals.alice));
    const bob = outcome(joins.read(JOB, principals.bob, scheduler.ask(principals.bob)));
    await settle();
    expect(scheduler.requests).toEqual([principals.alice]);
    scheduler.answerAll();
    await alice;
    await settle();
    // Bob's call found a record he may not read: it asked for itself.
    expect(scheduler.requests).toEqual([principals.alice, principals.bob]);
    scheduler.answerAll();
    expect(await bob).toEqual({ error: 'NOT_FOUND' });
  });

  it('lets the joined calls ask for themselves when the request they waited for failed (its error may be its caller\'s alone)', async () => {
    const { joins, scheduler } = setup();
    const first = outcome(joins.read(JOB, principals.bob, scheduler.ask(principals.bob)));
    const second = outcome(joins.read(JOB, principals.alice, scheduler.ask(principals.alice)));
    await settle();
    scheduler.answerAll(); // bob: NOT_FOUND
    expect(await first).toEqual({ error: 'NOT_FOUND' });
    await settle();
    expect(scheduler.requests).toEqual([principals.bob, principals.alice]);
    scheduler.answerAll();
    expect(await second).toMatchObject({ job: { jobId: JOB } });

    const third = outcome(joins.read(`${JOB.slice(0, -1)}6`, principals.alice, scheduler.ask(principals.alice)));
    await settle();
    scheduler.failAll();
    expect(await third).toEqual({ error: 'UNAVAILABLE' });
  });

  it('gives a joined call the newest record the model holds: a change seen while the request was under way wins over its answer', async () => {
    const { model, joins, scheduler } = setup();
    const first = joins.read(JOB, principals.alice, scheduler.ask(principals.alice));
    const joined = joins.read(JOB, principals.alice, scheduler.ask(principals.alice));
    await settle();
    // The job was cancelled meanwhile (its event reached the gateway before the answer).
    model.apply({ jobId: JOB, sequence: 2, state: 'CANCELLED', exitCode: null, slurmJobId: '', reason: 'cancelled by request', time: new Date().toISOString() });
    scheduler.answerAll(); // answers the record as it was asked (ACCEPTED)
    expect((await first).state).toBe('ACCEPTED');
    expect((await joined).state).toBe('CANCELLED');
  });

  it('for any mix of callers, each call gets the record exactly when its caller may read it; one scheduler request when everyone may, never more than one per call', async () => {
    const people = [principals.alice, principals.bob, principals.carol];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...people), { minLength: 1, maxLength: 12 }), async (callers) => {
        const { joins, scheduler } = setup();
        const calls = callers.map((caller) => outcome(joins.read(JOB, caller, scheduler.ask(caller))));
        for (let i = 0; i < callers.length + 2; i += 1) {
          await settle();
          scheduler.answerAll();
        }
        const results = await Promise.all(calls);
        results.forEach((result, i) => {
          const caller = callers[i] as Principal;
          if (canRead(caller, scheduler.record.owner, scheduler.record.account)) expect(result).toMatchObject({ job: { jobId: JOB } });
          else expect(result).toEqual({ error: 'NOT_FOUND' });
        });
        const refused = callers.filter((c) => !canRead(c, scheduler.record.owner, scheduler.record.account)).length;
        expect(scheduler.requests.length).toBeLessThanOrEqual(callers.length);
        expect(scheduler.requests.length).toBeGreaterThanOrEqual(refused + (refused < callers.length ? 1 : 0));
        if (refused === 0) expect(scheduler.requests).toHaveLength(1);
      }),
      { numRuns: 100 },
    );
  });
});
