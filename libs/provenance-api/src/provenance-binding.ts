import { type NatsConnection, NatsRequester, WorkflowsClient } from '@cairn/adapters/nats';
import type { Door, GrpcBinding, WatchLimiter } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { exportChunks, exportMeta } from '@cairn/provenance-export';
import { ProvenanceQueries } from './provenance.client';
import { ProvenanceGrpcController } from './provenance.grpc.controller';

export interface ProvenanceApiOptions {
  nats: NatsConnection;
  logger: Logger;
  defaultSite: string;
  /** Caps the streams (ExportRun counts with the watches); share one between the services of a gateway. */
  watchLimiter: WatchLimiter;
  /** Lets in only authenticated, mapped callers; share one between the services of a gateway. */
  door: Door;
}

/** cairn.v1.ProvenanceService, served from the provenance service over NATS (re-runs through the scheduler's workflow service). */
export function provenanceBinding(options: ProvenanceApiOptions): GrpcBinding {
  const requester = new NatsRequester(options.nats);
  return new ProvenanceGrpcController(
    new ProvenanceQueries(requester),
    new WorkflowsClient(requester),
    { chunks: exportChunks, meta: exportMeta },
    options.defaultSite,
    options.logger.child({ context: 'ProvenanceGrpcController' }),
    options.watchLimiter,
    options.door,
  ).binding();
}
