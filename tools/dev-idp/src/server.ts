import { rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';
import { handleInteraction, isInteraction, type Log } from './interactions';
import { currentKid } from './keystore';
import { MemoryStore } from './memory-store';
import { providerConfiguration } from './provider-config';
import { readSecrets } from './secrets';
import type { ServeSettings } from './settings';
import { statePath, writeStateFile } from './state-files';

/** What the running server writes to serving.json (no secrets). */
export interface Serving {
  issuer: string;
  url: string;
  pid: number;
  /** The key that signs new tokens. */
  kid: string;
  /** Every key in the JWKS, newest first. */
  kids: string[];
}

interface Current {
  provider: Provider;
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  passwords: Record<string, string>;
}

/**
 * Runs the IdP until SIGTERM/SIGINT. SIGHUP re-reads the state directory (a rotated keystore)
 * and swaps in a provider built from it: sessions, grants and refresh tokens live in one
 * MemoryStore that every provider of the process shares, so they survive.
 */
export async function serve(settings: ServeSettings, log: Log): Promise<void> {
  let current: Current | undefined;
  const store = new MemoryStore();
  const server = createServer((req, res) => {
    const active = current;
    if (!active) {
      res.writeHead(503).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!isInteraction(path)) {
      active.handler(req, res);
      return;
    }
    handleInteraction(active.provider, active.passwords, req, res, log).catch((error: unknown) => {
      log(`sign-in page failed: ${error instanceof Error ? error.name : 'error'}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;
  const issuer = settings.issuer ?? url;

  const load = (): Current => {
    const secrets = readSecrets(settings.state);
    const provider = new Provider(issuer, { ...providerConfiguration(settings, secrets, { invalidTarget: (d) => new errors.InvalidTarget(d) }), adapter: store.adapter() });
    provider.on('server_error', (_ctx, error) => log(`server error: ${error.name}: ${error.message}`));
    // oidc-provider's descriptions are its own fixed texts (never a token or a secret).
    provider.on('grant.error', (_ctx, error) => log(`token request refused: ${error.name}: ${error.message}${'error_detail' in error && error.error_detail ? ` (${String(error.error_detail)})` : ''}`));
    const serving: Serving = { issuer, url, pid: process.pid, kid: currentKid(secrets.keystore), kids: secrets.keystore.keys.map((k) => k.jwk.kid) };
    writeStateFile(settings.state, 'serving', `${JSON.stringify(serving)}\n`);
    log(`signing with kid ${serving.kid} (${secrets.keystore.keys.length} key(s) in the JWKS)`);
    const callback = provider.callback();
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      callback(req, res).catch((error: unknown) => log(`request failed: ${error instanceof Error ? error.name : 'error'}`));
    };
    return { provider, handler, passwords: secrets.passwords };
  };
  current = load();
  log(`listening on ${url}, issuer ${issuer}, audience ${settings.audience}`);

  process.on('SIGHUP', () => {
    try {
      current = load();
    } catch (error) {
      log(`reload refused, still serving the previous keys: ${error instanceof Error ? error.message : 'error'}`);
    }
  });
  await new Promise<void>((resolve) => {
    const stop = () => {
      server.close(() => resolve());
      server.closeIdleConnections();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  // No stale pid for `rotate` to signal once this process is gone.
  rmSync(statePath(settings.state, 'serving'), { force: true });
  log('stopped');
}
