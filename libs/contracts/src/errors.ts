/** Error codes shared by every boundary; the gateway maps them to gRPC status codes. */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'FAILED_PRECONDITION',
  /** The caller has no valid credentials (no token, or one that failed verification). */
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  /** A size or count limit inside the system (e.g. a message over NATS's max_payload): do not retry as is. */
  'RESOURCE_EXHAUSTED',
  /** Transient: something is unreachable right now; retrying later may succeed. Never for a limit. */
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
  'UNIMPLEMENTED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** A domain error: safe to show to the caller, with a code that says what kind. */
export class CairnError extends Error {
  override readonly name = 'CairnError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new CairnError('INVALID_ARGUMENT', message);
export const notFound = (message: string) => new CairnError('NOT_FOUND', message);
export const unauthenticated = (message: string) => new CairnError('UNAUTHENTICATED', message);
export const denied = (message: string) => new CairnError('PERMISSION_DENIED', message);
export const exhausted = (message: string) => new CairnError('RESOURCE_EXHAUSTED', message);
