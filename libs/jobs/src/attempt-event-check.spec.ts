import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { type AttemptEvent, describeControl, subjects } from '@cairn/contracts';
import { type EventTarget, eventRefusal, storableReason } from './attempt-event-check';

const site = fc.constantFrom('hpc1', 'hpc2', 'evil', 'a-b');
const uuid = fc.uuid({ version: 4 });

function target(overrides: Partial<EventTarget> = {}): EventTarget {
  return { job_id: randomUUID(), site: 'hpc1', attempt_id: randomUUID(), dispatch_sent_at: new Date(), dispatched_at: null, ...overrides };
}

function eventFor(job: EventTarget, overrides: Partial<AttemptEvent> = {}): AttemptEvent {
  return {
    attemptId: job.attempt_id,
    jobId: job.job_id,
    site: job.site,
    state: 'COMPLETED',
    slurmJobId: '12',
    exitCode: 0,
    reason: '',
    time: new Date().toISOString(),
    ...overrides,
  };
}

describe('eventRefusal', () => {
  it("accepts an event of the job's current attempt, from its site, once the attempt was sent or dispatched", () => {
    const sent = target();
    expect(eventRefusal(subjects.site('hpc1').attemptEvents, eventFor(sent), sent)).toBeUndefined();
    const dispatched = target({ dispatch_sent_at: null, dispatched_at: new Date() });
    expect(eventRefusal(subjects.site('hpc1').attemptEvents, eventFor(dispatched), dispatched)).toBeUndefined();
  });

  it.each([
    ['an unknown attempt', undefined, {}, 'hpc1', 'unknown attempt'],
    ['an attempt never dispatched', target({ dispatch_sent_at: null }), {}, 'hpc1', 'never dispatched'],
    ['another site’s subject', target(), {}, 'evil', "another site's subject"],
    ['a forged site field', target(), { site: 'evil' }, 'hpc1', 'claims another site'],
    ['another job', target(), { jobId: randomUUID() }, 'hpc1', 'another job'],
  ])('refuses %s', (_what, job, overrides, subjectSite, reason) => {
    const event = eventFor(job ?? target(), overrides);
    expect(eventRefusal(subjects.site(subjectSite).attemptEvents, event, job)).toMatch(reason);
  });

  it('refuses every event unless subject, site field, job, attempt and dispatch all agree (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          jobSite: site,
          subjectSite: site,
          eventSite: site,
          jobId: uuid,
          eventJobId: fc.oneof(fc.constant('same'), uuid),
          attemptId: uuid,
          eventAttemptId: fc.oneof(fc.constant('same'), uuid),
          sent: fc.boolean(),
          dispatched: fc.boolean(),
          subjectTail: fc.constantFrom('events.attempt', 'events.other', 'events.attempt.x'),
        }),
        (c) => {
          const job = target({
            job_id: c.jobId,
            site: c.jobSite,
            attempt_id: c.attemptId,
            dispatch_sent_at: c.sent ? new Date() : null,
            dispatched_at: c.dispatched ? new Date() : null,
          });
          const event = eventFor(job, {
            site: c.eventSite,
            jobId: c.eventJobId === 'same' ? c.jobId : c.eventJobId,
            attemptId: c.eventAttemptId === 'same' ? c.attemptId : c.eventAttemptId,
          });
          const subject = `cairn.site.${c.subjectSite}.${c.subjectTail}`;
          const valid =
            c.subjectSite === c.jobSite &&
            c.subjectTail === 'events.attempt' &&
            event.site === c.jobSite &&
            event.jobId === c.jobId &&
            event.attemptId === c.attemptId &&
            (c.sent || c.dispatched);
          expect(eventRefusal(subject, event, job) === undefined).toBe(valid);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('storableReason', () => {
  it('keeps printable text, tabs and newlines as they are', () => {
    expect(storableReason('exit 3\n\tat line 2 — ✓ 😀')).toBe('exit 3\n\tat line 2 — ✓ 😀');
  });

  it('replaces NUL, other controls and unpaired surrogates, one U+FFFD each (property)', () => {
    const hostile = fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\u0085', '\ud800', '\udfff', '\r', 'a', '\n', '😀');
    fc.assert(
      fc.property(fc.array(fc.oneof(hostile, fc.string({ maxLength: 4 })), { maxLength: 300 }), (parts) => {
        const reason = parts.join('');
        const stored = storableReason(reason);
        expect(describeControl(stored, '\t\n')).toBeUndefined();
        expect(Array.from(stored)).toHaveLength(Array.from(reason).length);
      }),
      { numRuns: 300 },
    );
  });
});
