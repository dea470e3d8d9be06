import { gatewaySettings, GrpcServerModule, WatchLimiter } from '@cairn/grpc-server';
import { jobsBinding } from '@cairn/jobs-api';
import { workflowsBinding } from '@cairn/workflows-api';
import type { ServiceDefinition } from '@cairn/service-kit';

/** The gateway service: the public gRPC API (JobService, WorkflowService) over the scheduler. */
export const gatewayService: ServiceDefinition<typeof gatewaySettings> = {
  service: 'gateway',
  settings: gatewaySettings,
  module: ({ config, nats, logger }) => {
    // One limiter for both services: the caps count WatchJob and WatchWorkflow together.
    const watchLimiter = new WatchLimiter({ perClient: config.watchMaxStreamsPerClient, total: config.watchMaxStreams });
    return GrpcServerModule.register({
      address: config.grpcAddress,
      protoDir: config.protoDir,
      protoFiles: ['cairn/v1/job_service.proto', 'cairn/v1/workflow_service.proto'],
      maxMessageBytes: 2 * 1024 * 1024,
      logger: logger.child({ context: 'GrpcServerHost' }),
      bindings: [
        jobsBinding({ nats, logger, defaultSite: config.defaultSite, watchLimiter }),
        workflowsBinding({ nats, logger, defaultSite: config.defaultSite, watchLimiter }),
      ],
    });
  },
};
