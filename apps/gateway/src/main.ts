import { join } from 'node:path';
import { z } from 'zod';
import { setting, watchSettings } from '@cairn/config';
import { siteName } from '@cairn/contracts';
import { GrpcServerModule, WatchLimiter } from '@cairn/grpc-server';
import { jobsBinding } from '@cairn/jobs-api';
import { workflowsBinding } from '@cairn/workflows-api';
import { runService } from '@cairn/service-kit';

void runService({
  service: 'gateway',
  settings: {
    grpcAddress: setting(
      'CAIRN_GRPC_ADDRESS',
      z.string().regex(/^[^\s:]+:[0-9]{1,5}$/, 'expected host:port').default('127.0.0.1:50051'),
      'where the public gRPC API listens',
    ),
    defaultSite: setting('CAIRN_DEFAULT_SITE', siteName.default('dev'), 'site for jobs that name none'),
    protoDir: setting(
      'CAIRN_PROTO_DIR',
      z.string().startsWith('/').default(join(__dirname, '..', '..', '..', 'proto')),
      'directory of the .proto files (served by reflection)',
    ),
    ...watchSettings,
  },
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
});
