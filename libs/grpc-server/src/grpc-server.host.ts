import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from '@cairn/logging';
import { type GrpcTransport, serverCredentials } from './grpc-tls';

export interface GrpcBinding {
  /** Full name, e.g. cairn.v1.JobService (what health and reflection report). */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  /** host:port; port 0 picks a free one. */
  address: string;
  /** Directory holding the .proto files, and the files to serve by reflection. */
  protoDir: string;
  protoFiles: string[];
  maxMessageBytes: number;
  logger: Logger;
  /** TLS (certificate and key) or, only when configured so, plaintext (grpcTransport). */
  transport: GrpcTransport;
  /**
   * Also serve on this unix socket path, without TLS: for the gateway's own portal server
   * only (libs/portal-server), so browser calls enter through the same door. The caller
   * puts it in a directory only the gateway's user may enter (0700).
   */
  localSocket?: string;
}

/**
 * A grpc-js server with the standard health service (grpc.health.v1) and server
 * reflection, so grpcurl, grpc_health_probe and clients in any language work.
 */
export class GrpcServerHost {
  private server?: Server;
  private health?: HealthImplementation;

  constructor(private readonly options: GrpcServerOptions) {}

  async start(bindings: GrpcBinding[]): Promise<number> {
    const server = new Server({
      'grpc.max_receive_message_length': this.options.maxMessageBytes,
      'grpc.max_send_message_length': 4 * 1024 * 1024,
    });
    for (const binding of bindings) server.addService(binding.definition, binding.implementation);
    const statuses: Record<string, 'SERVING'> = { '': 'SERVING' };
    for (const binding of bindings) statuses[binding.name] = 'SERVING';
    this.health = new HealthImplementation(statuses);
    this.health.addToServer(server);
    // keepCase: reflection must describe the fields as the .proto names them (snake_case).
    const packageDefinition = loadSync(this.options.protoFiles, { includeDirs: [this.options.protoDir], keepCase: true });
    new ReflectionService(packageDefinition).addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(this.options.address, serverCredentials(this.options.transport), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    if (this.options.localSocket !== undefined) {
      const socket = `unix:${this.options.localSocket}`;
      await new Promise<number>((resolve, reject) =>
        server.bindAsync(socket, ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
      );
      this.options.logger.info({ socket: this.options.localSocket }, 'gRPC server also listening on the local socket (the portal server\'s)');
    }
    this.server = server;
    const tls = !('plaintext' in this.options.transport);
    if (tls) this.options.logger.info({ address: this.options.address, port, tls }, 'gRPC server listening');
    else this.options.logger.warn({ address: this.options.address, port, tls }, 'gRPC server listening WITHOUT TLS (CAIRN_GRPC_PLAINTEXT=true): for local development only');
    return port;
  }

  /** Reports NOT_SERVING, lets running calls finish for up to `graceMs`, then stops. */
  async stop(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.health?.setStatus('', 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
