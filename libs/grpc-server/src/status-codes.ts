import { status, type ServiceError, Metadata } from '@grpc/grpc-js';
import { CairnError, type ErrorCode } from '@cairn/contracts';

const STATUS: Record<ErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  UNIMPLEMENTED: status.UNIMPLEMENTED,
  INTERNAL: status.INTERNAL,
};

/** The one place where domain errors become gRPC statuses; anything else is INTERNAL. */
export function toServiceError(error: unknown): Partial<ServiceError> {
  if (error instanceof CairnError) {
    return { code: STATUS[error.code], details: error.message, message: error.message, metadata: new Metadata() };
  }
  return { code: status.INTERNAL, details: 'internal error', message: 'internal error', metadata: new Metadata() };
}
