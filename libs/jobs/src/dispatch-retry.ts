import { CairnError, type ErrorCode } from '@cairn/contracts';

/** Refusals that will be the same on every try: the job fails with the reason. */
const PERMANENT: ReadonlySet<ErrorCode> = new Set([
  'INVALID_ARGUMENT',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'PERMISSION_DENIED',
  'UNIMPLEMENTED',
]);

/** Failures that say the site itself is not answering (not this one job). */
const SITE_DOWN: ReadonlySet<ErrorCode> = new Set(['UNAVAILABLE', 'DEADLINE_EXCEEDED']);

export type DispatchFailure = { kind: 'permanent'; reason: string } | { kind: 'transient'; siteDown: boolean; reason: string };

export const MAX_REASON_CHARS = 512;

/** What a failed hand-over means for the job and its site. */
export function classifyDispatchFailure(error: unknown): DispatchFailure {
  const reason = excerpt(error instanceof Error ? error.message : String(error));
  if (error instanceof CairnError && PERMANENT.has(error.code)) return { kind: 'permanent', reason };
  return { kind: 'transient', siteDown: error instanceof CairnError && SITE_DOWN.has(error.code), reason };
}

export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 60_000;

/** When to try again after `tries` failed tries: doubling from 1 s, at most a minute. */
export function nextTryAt(now: Date, tries: number): Date {
  const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(Math.max(tries - 1, 0), 16));
  return new Date(now.getTime() + delay);
}

/** A bounded excerpt of a message, so a reason never carries an unbounded echo. */
export function excerpt(text: string, max = MAX_REASON_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
