import fc from 'fast-check';
import { canRead } from '@cairn/access';
import { canTransition, type JobEvent, type JobRecord, type JobState, JOB_STATES, type Principal } from '@cairn/contracts';
import { acceptedJobRecord, principals } from '@cairn/testing';
import { JobReadModel } from './job-read-model';

const JOB = '6f1c2d3e-4a5b-4c6d-8e7f-8091a2b3c4d5';
const OTHER = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

const accepted = (jobId = JOB, owner: Principal = principals.alice, account = 'alice-lab'): JobRecord => acceptedJobRecord(jobId, owner, account);

/** A transition as the scheduler is asked to apply it (JobStore.transition's StateChange). */
interface RawChange {
  state: JobState;
  exitCode: number | null;
  slurmJobId: string;
  reason: string;
}

/**
 * The scheduler's side, as JobStore does it: each version of the record (ACCEPTED, then one
 * per allowed transition) and the event each version publishes.
 */
function history(changes: readonly RawChange[]): { versions: JobRecord[]; events: JobEvent[] } {
  const versions = [accepted()];
  const events: JobEvent[] = [{ jobId: JOB, sequence: 1, state: 'ACCEPTED', exitCode: null, slurmJobId: '', reason: '', time: versions[0]?.updateTime ?? '' }];
  for (const change of changes) {
    const current = versions[versions.length - 1];
    if (!current || !canTransition(current.state, change.state)) continue;
    const time = new Date(Date.parse(current.updateTime) + 1000).toISOString();
    const next: JobRecord = {
      ...current,
      state: change.state,
      exitCode: change.exitCode ?? current.exitCode,
      slurmJobId: change.slurmJobId || current.slurmJobId,
      reason: change.reason,
      updateTime: time,
    };
    versions.push(next);
    events.push({ jobId: JOB, sequence: versions.length, state: next.state, exitCode: change.exitCode, slurmJobId: next.slurmJobId, reason: next.reason, time });
  }
  return { versions, events };
}

const rawChange = fc.record({
  state: fc.constantFrom(...JOB_STATES),
  exitCode: fc.option(fc.integer({ min: -255, max: 255 }), { nil: null }),
  slurmJobId: fc.constantFrom('', '41', '42_3'),
  reason: fc.constantFrom('', 'queued', 'node failure'),
});

/**
 * What reaches the model: the job's events in their order (an ordered consumer), with
 * repeats of earlier events anywhere after them, and the scheduler's answers of any
 * versions at any moment.
 */
type Step = { kind: 'event'; index: number } | { kind: 'answer'; index: number };

const scenario = fc
  .array(rawChange, { maxLength: 6 })
  .map(history)
  .chain((h) =>
    fc.record({
      h: fc.constant(h),
      inserts: fc.array(
        fc.record({
          at: fc.nat({ max: h.events.length }),
          step: fc.oneof(
            fc.record({ kind: fc.constant('event' as const), index: fc.nat({ max: h.events.length - 1 }) }),
            fc.record({ kind: fc.constant('answer' as const), index: fc.nat({ max: h.versions.length - 1 }) }),
          ),
        }),
        { maxLength: 5 },
      ),
      // At least one answer of the scheduler (else the model never holds the record).
      answer: fc.record({ at: fc.nat({ max: h.events.length }), index: fc.nat({ max: h.versions.length - 1 }) }),
    }),
  )
  .map(({ h, inserts: more, answer }) => {
    const inserts = [...more, { at: answer.at, step: { kind: 'answer' as const, index: answer.index } }];
    const all: Step[] = [];
    for (let at = 0; at <= h.events.length; at += 1) {
      // A repeated event comes only after the first delivery of it (the consumer is ordered).
      for (const { step } of inserts.filter((i) => i.at === at)) if (step.kind === 'answer' || step.index < at) all.push(step);
      if (at < h.events.length) all.push({ kind: 'event', index: at });
    }
    return { h, steps: { all } };
  });

const RUNS = { numRuns: 300 };

describe('JobReadModel', () => {
  it('ends with the latest version of the record, whatever the order of changes and answers (property)', () => {
    fc.assert(
      fc.property(scenario, ({ h, steps }) => {
        const model = new JobReadModel();
        model.open();
        let seen = -1;
        for (const step of steps.all) {
          if (step.kind === 'event') {
            const event = h.events[step.index];
            if (event) model.apply(event);
          } else {
            const version = h.versions[step.index];
            if (version) model.remember(version, model.mark());
          }
          // Never a version that was not the scheduler's, never going back.
          const read = model.read(JOB, principals.alice);
          if (read) {
            const at = h.versions.findIndex((v) => JSON.stringify(v) === JSON.stringify(read));
            expect(at).toBeGreaterThanOrEqual(0);
            expect(at).toBeGreaterThanOrEqual(seen);
            seen = at;
          }
        }
        expect(model.read(JOB, principals.alice)).toEqual(h.versions[h.versions.length - 1]);
      }),
      RUNS,
    );
  });

  it('answers a record only to whom the access policy lets read it: the same rule as canRead (property)', () => {
    const identity = fc.record({ issuer: fc.constantFrom('https://idp.a', 'https://idp.b'), subject: fc.constantFrom('alice', 'bob', 'x') });
    const principal = fc.record({
      issuer: identity.map((i) => i.issuer),
      subject: fc.constantFrom('alice', 'bob', 'x'),
      name: fc.constant('p'),
      posixUser: fc.constant('p'),
      accounts: fc.array(fc.constantFrom('alice-lab', 'genomics', 'ops'), { maxLength: 2 }),
      roles: fc.subarray(['user', 'member', 'admin'] as const),
      projects: fc.array(fc.constantFrom('alice-lab', 'genomics', 'ops', ''), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(identity, fc.constantFrom('alice-lab', 'genomics', 'ops', ''), principal, (owner, account, caller) => {
        const model = new JobReadModel();
        model.open();
        const record = { ...accepted(), owner: { ...accepted().owner, ...owner }, account };
        model.remember(record, model.mark());
        const read = model.read(JOB, caller);
        expect(read === undefined ? 'hidden' : 'shown').toBe(canRead(caller, record.owner, account) ? 'shown' : 'hidden');
      }),
      { numRuns: 500 },
    );
  });

  it("never shows bob alice's alice-lab job; shows him her genomics job (his project); carol (admin) sees both", () => {
    const model = new JobReadModel();
    model.open();
    model.remember(accepted(JOB, principals.alice, 'alice-lab'), model.mark());
    model.remember(accepted(OTHER, principals.alice, 'genomics'), model.mark());
    expect(model.read(JOB, principals.bob)).toBeUndefined();
    expect(model.read(OTHER, principals.bob)?.jobId).toBe(OTHER);
    expect(model.read(JOB, principals.carol)?.jobId).toBe(JOB);
    expect(model.read(JOB, principals.alice)?.jobId).toBe(JOB);
  });

  it('answers nothing before the stream is followed or after it stopped, and forgets what it held', () => {
    const model = new JobReadModel();
    model.remember(accepted(), model.mark());
    expect(model.read(JOB, principals.alice)).toBeUndefined();
    model.open();
    model.remember(accepted(), model.mark());
    expect(model.read(JOB, principals.alice)?.jobId).toBe(JOB);
    model.close();
    expect(model.read(JOB, principals.alice)).toBeUndefined();
    model.open();
    expect(model.read(JOB, principals.alice)).toBeUndefined();
  });

  it('does not remember an answer to a request sent before the stream restarted or an entry was dropped (stale mark)', () => {
    const model = new JobReadModel({ maxEntries: 1 });
    model.open();
    const beforeRestart = model.mark();
    model.close();
    model.open();
    model.remember(accepted(), beforeRestart);
    expect(model.read(JOB, principals.alice)).toBeUndefined();
    const beforeDrop = model.mark();
    // A change of another job pushes this job's latest change out: the answer may predate it.
    model.apply({ jobId: JOB, sequence: 2, state: 'PENDING', exitCode: null, slurmJobId: '7', reason: '', time: '2026-12-02T05:00:01.000Z' });
    model.apply({ jobId: OTHER, sequence: 2, state: 'PENDING', exitCode: null, slurmJobId: '8', reason: '', time: '2026-12-02T05:00:01.000Z' });
    model.remember(accepted(), beforeDrop);
    expect(model.read(JOB, principals.alice)).toBeUndefined();
    model.remember(accepted(), model.mark());
    expect(model.read(JOB, principals.alice)?.state).toBe('ACCEPTED');
  });

  it('asks the scheduler again for an unfinished job not confirmed for a while; a finished one stays', () => {
    let clock = 0;
    const model = new JobReadModel({ confirmMs: 2000 }, () => clock);
    model.open();
    model.remember(accepted(), model.mark());
    model.remember({ ...accepted(OTHER), state: 'COMPLETED', exitCode: 0 }, model.mark());
    clock = 2000;
    expect(model.read(JOB, principals.alice)?.state).toBe('ACCEPTED');
    clock = 2001;
    expect(model.read(JOB, principals.alice)).toBeUndefined();
    expect(model.read(OTHER, principals.alice)?.state).toBe('COMPLETED');
    // A change from the stream confirms it again.
    model.apply({ jobId: JOB, sequence: 2, state: 'PENDING', exitCode: null, slurmJobId: '7', reason: '', time: '2026-12-02T05:00:01.000Z' });
    expect(model.read(JOB, principals.alice)).toMatchObject({ state: 'PENDING', slurmJobId: '7' });
  });

  it('keeps at most its limits of entries and characters, dropping the least recently used (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat({ max: 15 }), { maxLength: 60 }), (maxEntries, records, touches) => {
        const one = JSON.stringify(accepted()).length;
        const model = new JobReadModel({ maxChars: one * records, maxEntries });
        model.open();
        const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
        for (const n of touches) {
          if (n % 2 === 0) model.remember({ ...accepted(), jobId: id(n) }, model.mark());
          else model.apply({ jobId: id(n), sequence: 2, state: 'PENDING', exitCode: null, slurmJobId: '1', reason: '', time: '2026-12-02T05:00:01.000Z' });
          expect(model.size).toBeLessThanOrEqual(maxEntries);
        }
        const kept = [...Array(16).keys()].filter((n) => model.read(id(n), principals.alice) !== undefined);
        expect(kept.length).toBeLessThanOrEqual(records);
        // The last record remembered is always kept.
        const last = [...touches].reverse().find((n) => n % 2 === 0);
        if (last !== undefined && touches[touches.length - 1] === last) expect(model.read(id(last), principals.alice)?.jobId).toBe(id(last));
      }),
      RUNS,
    );
  });
});
