import { type sendUnaryData, type ServerUnaryCall, type ServiceError, status } from '@grpc/grpc-js';
import type { Principal } from '@cairn/contracts';
import type { Logger } from '@cairn/logging';
import { admit, callPeer, type Door } from './door';
import { toServiceError } from './status-codes';

export type UnaryHandler<Req, Res> = (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void;

/**
 * A grpc-js unary handler from an async function, behind the door: the handler runs only
 * for an authenticated, mapped caller, whom it receives with the call's peer; errors
 * become statuses (INTERNAL ones logged).
 */
export function unary<Req, Res>(
  handler: (request: Req, caller: Principal, peer: string) => Promise<Res>,
  logger: Logger,
  door: Door,
): UnaryHandler<Req, Res> {
  return (call, callback) => {
    admit(call, door, logger)
      .then((caller) => handler(call.request, caller, callPeer(call)))
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          const serviceError = toServiceError(error);
          if (serviceError.code === status.INTERNAL) logger.error({ err: error }, 'request failed');
          callback(serviceError as ServiceError);
        },
      );
  };
}
