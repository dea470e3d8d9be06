import { type DynamicModule, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type GrpcBinding, GrpcServerHost, type GrpcServerOptions } from './grpc-server.host';

class GrpcServerLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly host: GrpcServerHost,
    private readonly bindings: GrpcBinding[],
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.host.start(this.bindings);
  }
  async onModuleDestroy(): Promise<void> {
    await this.host.stop();
  }
}

/** Serves the given gRPC services (with health and reflection) for the module's lifetime. */
@Module({})
export class GrpcServerModule {
  static register(options: GrpcServerOptions & { bindings: GrpcBinding[] }): DynamicModule {
    const { bindings, ...hostOptions } = options;
    return {
      module: GrpcServerModule,
      providers: [{ provide: GrpcServerLifecycle, useValue: new GrpcServerLifecycle(new GrpcServerHost(hostOptions), bindings) }],
    };
  }
}
