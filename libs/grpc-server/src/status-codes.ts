import { status, type ServiceError, Metadata } from '@grpc/grpc-js';
import { CairnError, type ErrorCode } from '@cairn/contracts';

const STATUS: Record<ErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  UNIMPLEMENTED: status.UNIMPLEMENTED,
  INTERNAL: status.INTERNAL,
};

/** A status message travels in a trailer: at most this many characters of it are sent. */
export const MAX_STATUS_MESSAGE_CHARS = 8192;

/** The one place where domain errors become gRPC statuses; anything else is INTERNAL. */
export function toServiceError(error: unknown): Partial<ServiceError> {
  if (error instanceof CairnError) {
    const message = error.message.length > MAX_STATUS_MESSAGE_CHARS ? `${error.message.slice(0, MAX_STATUS_MESSAGE_CHARS)}…` : error.message;
    return { code: STATUS[error.code], details: message, message, metadata: new Metadata() };
  }
  return { code: status.INTERNAL, details: 'internal error', message: 'internal error', metadata: new Metadata() };
}
