import type { AuditClient } from '@cairn/adapters/nats';
import { pb, type Principal } from '@cairn/contracts';
import { type Door, type GrpcBinding, type GrpcHandlers, grpcHandlers, type WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { toListAuditQuery, toPbAuditEvent } from './audit.mapper';

/** Binds cairn.v1.AuditService through the same door as every service; the scheduler lets only admins read. */
export class AuditGrpcController {
  private readonly handlers: GrpcHandlers;

  constructor(
    private readonly scheduler: AuditClient,
    logger: Logger,
    watchLimiter: WatchLimiter,
    door: Door,
  ) {
    this.handlers = grpcHandlers(logger, watchLimiter, door);
  }

  binding(): GrpcBinding {
    const implementation: pb.AuditServiceServer = {
      listAuditEvents: this.handlers.unary(async (request: pb.ListAuditEventsRequest, caller: Principal, peer: string): Promise<pb.ListAuditEventsResponse> => {
        const page = await this.scheduler.list({ ...toListAuditQuery(request), caller, peer });
        return { events: page.events.map(toPbAuditEvent), nextPageToken: page.nextPageToken };
      }),
    };
    return { name: 'cairn.v1.AuditService', definition: pb.AuditServiceService, implementation };
  }
}
