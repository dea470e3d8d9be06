import { type DynamicModule, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { JetStreamRepository, type NatsConnection, NatsRequester } from '@cairn/adapters/nats';
import { GrpcServerHost } from '@cairn/grpc-server';
import type { Logger } from '@cairn/logging';
import { JobsGrpcController } from './jobs.grpc.controller';
import { SchedulerClient } from './scheduler.client';

export interface JobsApiOptions {
  nats: NatsConnection;
  logger: Logger;
  grpcAddress: string;
  protoDir: string;
  defaultSite: string;
}

class GatewayServer implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly host: GrpcServerHost,
    private readonly controller: JobsGrpcController,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.host.start([this.controller.binding()]);
  }
  async onModuleDestroy(): Promise<void> {
    await this.host.stop();
  }
}

/** The gateway's public job API (gRPC), served from the scheduler over NATS. */
@Module({})
export class JobsApiModule {
  static register(options: JobsApiOptions): DynamicModule {
    const controller = new JobsGrpcController(
      new SchedulerClient(new NatsRequester(options.nats)),
      new JetStreamRepository(options.nats),
      options.defaultSite,
      options.logger.child({ context: 'JobsGrpcController' }),
    );
    const host = new GrpcServerHost({
      address: options.grpcAddress,
      protoDir: options.protoDir,
      protoFiles: ['cairn/v1/job_service.proto'],
      maxMessageBytes: 1024 * 1024,
      logger: options.logger.child({ context: 'GrpcServerHost' }),
    });
    return {
      module: JobsApiModule,
      providers: [{ provide: GatewayServer, useValue: new GatewayServer(host, controller) }],
    };
  }
}
