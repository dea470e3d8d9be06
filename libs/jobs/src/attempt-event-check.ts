import { type AttemptEvent, describeControl, subjects } from '@cairn/contracts';

/** What the check needs of the job the event's attempt id names. */
export interface EventTarget {
  job_id: string;
  site: string;
  attempt_id: string;
  dispatch_sent_at: unknown;
  dispatched_at: unknown;
}

/**
 * Why an agent's attempt event must not be applied, or undefined when it may be: it must
 * name an attempt the scheduler sent to an agent, as that job's current attempt, and come
 * from that job's site, both by the subject it arrived on (which NATS permissions tie to
 * the publishing agent) and by its own `site` field.
 */
export function eventRefusal(subject: string, event: AttemptEvent, job: EventTarget | undefined): string | undefined {
  if (!job) return 'unknown attempt';
  if (event.attemptId !== job.attempt_id) return "not the job's current attempt";
  if (event.jobId !== job.job_id) return 'names another job than its attempt belongs to';
  if (subject !== subjects.site(job.site).attemptEvents) return `arrived on another site's subject than the job's site (${job.site})`;
  if (event.site !== job.site) return `claims another site than the job's site (${job.site})`;
  if (job.dispatch_sent_at === null && job.dispatched_at === null) return 'the attempt was never dispatched';
  return undefined;
}

/**
 * An agent's reason as the scheduler stores it: what the free-text rule refuses (NUL, other
 * controls but tab and newline, unpaired surrogates) becomes U+FFFD, so an odd reason can
 * never make the store fail and the event be redelivered forever.
 */
export function storableReason(reason: string): string {
  return describeControl(reason, '\t\n') === undefined ? reason : Array.from(reason, (ch) => (describeControl(ch, '\t\n') ? '\uFFFD' : ch)).join('');
}
