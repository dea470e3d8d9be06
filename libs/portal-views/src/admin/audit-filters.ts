/** The audit log's filters as the form holds them, turned into a ListAuditEvents request. */

export interface AuditFilters {
  /** A token's `sub`; empty for everyone. */
  readonly subject: string;
  /** "OK" or a gRPC status name; empty for every outcome. */
  readonly outcome: string;
  /** `<input type="datetime-local">` values, read as UTC; empty for no bound. */
  readonly since: string;
  readonly until: string;
}

export const NO_FILTERS: AuditFilters = { subject: '', outcome: '', since: '', until: '' };

/** The outcomes the log records: OK and the gRPC status names. */
export const OUTCOMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

const MAX_SUBJECT_CHARS = 255;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A datetime-local value read as UTC, or undefined when empty; an error when malformed. */
export function utcFromLocalInput(value: string): Date | undefined | Error {
  if (value.trim() === '') return undefined;
  const m = LOCAL.exec(value.trim());
  if (m === null) return new Error('Use the form YYYY-MM-DDTHH:MM.');
  const [, y, mo, d, h, mi, s] = m.map((x) => Number(x ?? 0));
  const date = new Date(Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0));
  if (Number.isNaN(date.getTime()) || date.getUTCDate() !== d || date.getUTCMonth() !== (mo ?? 1) - 1) return new Error('Not a date.');
  return date;
}

/** What ListAuditEvents is asked with (besides paging), or the problems of the filters by field. */
export function auditRequest(
  f: AuditFilters,
): { ok: true; subject: string; outcome: string; since?: Date; until?: Date } | { ok: false; problems: Partial<Record<keyof AuditFilters, string>> } {
  const problems: Partial<Record<keyof AuditFilters, string>> = {};
  const subject = f.subject.trim();
  if (subject.length > MAX_SUBJECT_CHARS) problems.subject = `At most ${MAX_SUBJECT_CHARS} characters.`;
  if (f.outcome !== '' && !(OUTCOMES as readonly string[]).includes(f.outcome)) problems.outcome = 'Not an outcome the log records.';
  const since = utcFromLocalInput(f.since);
  const until = utcFromLocalInput(f.until);
  if (since instanceof Error) problems.since = since.message;
  if (until instanceof Error) problems.until = until.message;
  if (since instanceof Date && until instanceof Date && since.getTime() >= until.getTime()) problems.until = 'Must be after “since”.';
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, subject, outcome: f.outcome, since: since instanceof Date ? since : undefined, until: until instanceof Date ? until : undefined };
}

/** A Date as the generated Timestamp's fields. */
export function timestampFields(d: Date): { seconds: bigint; nanos: number } {
  const ms = d.getTime();
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000 };
}
