import { type sendUnaryData, type ServerUnaryCall, type ServiceError, status } from '@grpc/grpc-js';
import type { Logger } from '@cairn/logging';
import { toServiceError } from './status-codes';

export type UnaryHandler<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

/** A grpc-js unary handler from an async function; errors become statuses (INTERNAL ones logged). */
export function unary<Req, Res>(handler: (request: Req) => Promise<Res>, logger: Logger): UnaryHandler<Req, Res> {
  return (call, callback) => {
    handler(call.request).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const serviceError = toServiceError(error);
        if (serviceError.code === status.INTERNAL) logger.error({ err: error }, 'request failed');
        callback(serviceError as ServiceError);
      },
    );
  };
}
