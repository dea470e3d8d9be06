import { type DynamicModule, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { type GrpcBinding, GrpcServerHost, type GrpcServerOptions } from './grpc-server.host';
import { type GrpcTlsSettings, grpcTransport } from './grpc-tls';

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

/**
 * Serves the given gRPC services (with health and reflection) for the module's lifetime,
 * over TLS unless the settings ask for plaintext (refused at start-up without a certificate).
 */
/** What a registered server serves (for the gateway's portal server: its routing table). */
export interface GrpcServed {
  bindings: GrpcBinding[];
  maxMessageBytes: number;
}

const served = new WeakMap<DynamicModule, GrpcServed>();

@Module({})
export class GrpcServerModule {
  static register(options: Omit<GrpcServerOptions, 'transport'> & { bindings: GrpcBinding[]; tls: GrpcTlsSettings }): DynamicModule {
    const { bindings, tls, ...hostOptions } = options;
    const host = new GrpcServerHost({ ...hostOptions, transport: grpcTransport(tls) });
    const module: DynamicModule = {
      module: GrpcServerModule,
      providers: [{ provide: GrpcServerLifecycle, useValue: new GrpcServerLifecycle(host, bindings) }],
    };
    served.set(module, { bindings, maxMessageBytes: options.maxMessageBytes });
    return module;
  }

  /** The services and message limit of a module `register` made. */
  static served(module: DynamicModule): GrpcServed {
    const found = served.get(module);
    if (!found) throw new Error('GrpcServerModule.served: not a module of GrpcServerModule.register');
    return found;
  }
}
