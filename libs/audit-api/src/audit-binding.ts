import { AuditClient, JetStreamRepository, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import type { AuditSink, Door, GrpcBinding, WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { AuditGrpcController } from './audit.grpc.controller';
import { JetStreamAuditSink } from './jetstream-audit-sink';

export interface AuditApiOptions {
  nats: NatsConnection;
  logger: Logger;
  watchLimiter: WatchLimiter;
  door: Door;
}

/** cairn.v1.AuditService, served from the scheduler's audit log over NATS. */
export function auditBinding(options: AuditApiOptions): GrpcBinding {
  return new AuditGrpcController(new AuditClient(new NatsRequester(options.nats)), options.logger.child({ context: 'AuditGrpcController' }), options.watchLimiter, options.door).binding();
}

/** The gateway's door sink: every refusal to stream CAIRN_AUDIT, then to the audit table. */
export function auditSink(nats: NatsConnection): AuditSink {
  return new JetStreamAuditSink(new JetStreamRepository(nats));
}
