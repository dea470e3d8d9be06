import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { type DynamicModule, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ConfigError, readSecretFile, type SettingsOf } from '@cairn/config';
import type { Logger } from '@cairn/logging';
import { apiRoutes } from './api-routes';
import { PortalListener, type PortalTransport } from './portal-listener';
import { portalHandler } from './portal-handler';
import { PortalOidc } from './portal-oidc';
import type { portalSettings } from './portal-settings';
import { MemorySessionStore } from './session-store';
import { PendingLogins, Sessions } from './sessions';
import { StaticFiles } from './static-files';
import { Upstream } from './upstream';

/** Logins in progress held at once, and how long each may take. */
export const MAX_PENDING_LOGINS = 1000;
export const PENDING_LOGIN_MS = 10 * 60_000;
/** Longest unix socket path (sun_path is 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 100;

/** What the portal needs besides its own settings. */
export interface PortalWiring {
  /** The gateway's certificate and key files (the portal serves HTTPS with them). */
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** The identity configuration's issuers (the first is the portal's default IdP). */
  issuers: string[];
  dataDir: string;
  logger: Logger;
}

class PortalLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly listener: PortalListener,
    private readonly upstream: Upstream,
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.listener.start();
  }
  async onModuleDestroy(): Promise<void> {
    await this.listener.stop();
    this.upstream.close();
  }
}

@Module({})
export class PortalServerModule {}

/**
 * The portal's socket directory (0700) under the data directory, emptied of a stale socket;
 * returns the socket path. Only that directory is 0700: the data directory itself, when this
 * creates it, gets the default mode, since the agent's directory may live under it too
 * (`<dataDir>/agent/<site>`) and the jobs, running as their owners, must reach it.
 */
export function preparePortalSocket(dataDir: string): string {
  const dir = join(dataDir, 'portal');
  const socket = join(dir, 'grpc.sock');
  if (socket.length > MAX_SOCKET_PATH) throw new ConfigError(`CAIRN_DATA_DIR is too long for the portal's local socket (${socket}: at most ${MAX_SOCKET_PATH} characters)`);
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  rmSync(socket, { force: true });
  return socket;
}

function portalTransport(settings: SettingsOf<typeof portalSettings>, wiring: PortalWiring): PortalTransport {
  if (settings.portalPlaintext) return { plaintext: true };
  if (wiring.tlsCertFile === undefined || wiring.tlsKeyFile === undefined) {
    throw new ConfigError('the portal serves HTTPS with the gateway\'s certificate and it has none: set CAIRN_TLS_CERT_FILE and CAIRN_TLS_KEY_FILE, or CAIRN_PORTAL_PLAINTEXT=true (behind a TLS-terminating proxy, or for development)');
  }
  let cert: Buffer;
  try {
    cert = readFileSync(wiring.tlsCertFile);
  } catch (error) {
    throw new ConfigError(`CAIRN_TLS_CERT_FILE: cannot read ${wiring.tlsCertFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return { tls: { cert, key: Buffer.from(readSecretFile('CAIRN_TLS_KEY_FILE', wiring.tlsKeyFile)) } };
}

/** The portal of a gateway: the local socket its gRPC server must also bind, and how to serve it. */
export interface GatewayPortal {
  /** The origin people use (CAIRN_PORTAL_PUBLIC_URL, or the address's). */
  origin: string;
  socket: string;
  /**
   * The gateway's module with the portal beside its gRPC server (`grpc`); the bridge
   * forwards exactly the methods of `services` (and answers no others).
   */
  module(grpc: DynamicModule, services: { definitions: ServiceDefinition[]; maxMessageBytes: number }): DynamicModule;
}

/**
 * The gateway's web portal, when CAIRN_PORTAL_ADDRESS is set (undefined otherwise).
 * Refuses (ConfigError) HTTPS without the gateway's certificate, or no issuer.
 */
export function portalServer(settings: SettingsOf<typeof portalSettings>, wiring: PortalWiring): GatewayPortal | undefined {
  const address = settings.portalAddress;
  if (address === undefined) return undefined;
  const transport = portalTransport(settings, wiring);
  const origin = settings.portalPublicUrl ?? `${'tls' in transport ? 'https' : 'http'}://${address}`;
  const issuer = settings.portalIssuer ?? wiring.issuers[0];
  if (issuer === undefined) throw new ConfigError('CAIRN_PORTAL_ISSUER is unset and the identity configuration names no issuer');
  const socket = preparePortalSocket(wiring.dataDir);
  const logger = wiring.logger.child({ context: 'Portal' });
  const oidc = new PortalOidc({
    issuer,
    clientId: settings.portalClientId,
    scope: settings.portalScope,
    redirectUri: `${origin}/auth/callback`,
    ...(settings.portalResource === undefined ? {} : { resource: settings.portalResource }),
  });
  const sessions = new Sessions(new MemorySessionStore(settings.portalMaxSessions), { maxAgeMs: settings.portalSessionMaxSeconds * 1000, refresh: (token) => oidc.refresh(token) });
  const upstream = new Upstream(socket);
  const files = new StaticFiles(settings.portalDir);
  if (!files.present) logger.warn({ dir: settings.portalDir }, 'the portal is not built (no index.html): run npx nx run portal:build, or set CAIRN_PORTAL_DIR');
  logger.info({ origin, issuer, clientId: settings.portalClientId, redirectUri: `${origin}/auth/callback` }, 'portal configured');
  return {
    origin,
    socket,
    module: (grpc, services) => {
      const handler = portalHandler({
        routes: apiRoutes(services.definitions),
        sessions,
        pending: new PendingLogins({ max: MAX_PENDING_LOGINS, ttlMs: PENDING_LOGIN_MS }),
        upstream,
        oidc,
        origin,
        maxAgeSeconds: settings.portalSessionMaxSeconds,
        maxMessageBytes: services.maxMessageBytes,
        files,
        logger,
      });
      const listener = new PortalListener({ address, transport, handler, logger });
      return { module: PortalServerModule, imports: [grpc], providers: [{ provide: PortalLifecycle, useValue: new PortalLifecycle(listener, upstream) }] };
    },
  };
}
