import { pb, type Principal } from '@cairn/contracts';
import { type Door, type GrpcBinding, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';

/** The caller as WhoAmI answers. */
export function toWhoAmI(caller: Principal): pb.WhoAmIResponse {
  return {
    issuer: caller.issuer,
    subject: caller.subject,
    name: caller.name,
    posixUser: caller.posixUser,
    accounts: caller.accounts,
    defaultAccount: caller.accounts[0] ?? '',
    roles: caller.roles,
    projects: caller.projects,
  };
}

/** cairn.v1.IdentityService: the caller's own identity, through the same door as every call. */
export function identityBinding(options: { logger: Logger; watchLimiter: WatchLimiter; door: Door }): GrpcBinding {
  const handlers = grpcHandlers(options.logger.child({ context: 'IdentityGrpcController' }), options.watchLimiter, options.door);
  const implementation: pb.IdentityServiceServer = {
    whoAmI: handlers.unary((_request: pb.WhoAmIRequest, caller) => Promise.resolve(toWhoAmI(caller))),
  };
  return { name: 'cairn.v1.IdentityService', definition: pb.IdentityServiceService, implementation };
}
