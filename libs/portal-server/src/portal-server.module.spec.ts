import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@cairn/config';
import { createLogger } from '@cairn/logging';
import { portalServer, preparePortalSocket } from './portal-server.module';
import { portalSettings } from './portal-settings';

const logger = createLogger('test', 'silent');
let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'portal-config-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const settings = (env: Record<string, string>) => loadConfig(portalSettings, { env });
const wiring = { issuers: ['https://idp.example.edu/realms/campus'], dataDir: '', logger };

describe('the portal settings', () => {
  it('serve no portal without CAIRN_PORTAL_ADDRESS, and take the documented defaults', () => {
    const config = settings({});
    expect(portalServer(config, { ...wiring, dataDir: dir })).toBeUndefined();
    expect(config).toMatchObject({ portalClientId: 'cairn-portal', portalSessionMaxSeconds: 28_800, portalMaxSessions: 10_000, portalPlaintext: false });
    expect(config.portalDir.endsWith('/dist/apps/portal')).toBe(true);
  });

  it('refuse a public URL with a path, a bad address, and a session age out of range', () => {
    expect(() => settings({ CAIRN_PORTAL_PUBLIC_URL: 'https://cairn.example.edu/portal' })).toThrow(ConfigError);
    expect(() => settings({ CAIRN_PORTAL_ADDRESS: '8443' })).toThrow(/CAIRN_PORTAL_ADDRESS/);
    expect(() => settings({ CAIRN_PORTAL_SESSION_MAX_SECONDS: '5' })).toThrow(/CAIRN_PORTAL_SESSION_MAX_SECONDS/);
    expect(settings({ CAIRN_PORTAL_PUBLIC_URL: 'https://Cairn.Example.edu:443' }).portalPublicUrl).toBe('https://cairn.example.edu');
  });

  it('refuse HTTPS without the gateway\'s certificate, naming what to set', () => {
    expect(() => portalServer(settings({ CAIRN_PORTAL_ADDRESS: '127.0.0.1:0' }), { ...wiring, dataDir: dir })).toThrow(
      new ConfigError("the portal serves HTTPS with the gateway's certificate and it has none: set CAIRN_TLS_CERT_FILE and CAIRN_TLS_KEY_FILE, or CAIRN_PORTAL_PLAINTEXT=true (behind a TLS-terminating proxy, or for development)"),
    );
  });

  it('refuse a certificate file it cannot read, naming it', () => {
    const missing = join(dir, 'missing.pem');
    expect(() => portalServer(settings({ CAIRN_PORTAL_ADDRESS: '127.0.0.1:0' }), { ...wiring, dataDir: dir, tlsCertFile: missing, tlsKeyFile: missing })).toThrow(new ConfigError(`CAIRN_TLS_CERT_FILE: cannot read ${missing}: ENOENT`));
  });

  it('make the local socket\'s directory 0700 and clear a stale socket; refuse a path too long for a unix socket', () => {
    const socket = preparePortalSocket(dir);
    expect(socket).toBe(join(dir, 'portal', 'grpc.sock'));
    expect(statSync(join(dir, 'portal')).mode & 0o777).toBe(0o700);
    writeFileSync(socket, 'stale');
    preparePortalSocket(dir);
    expect(() => statSync(socket)).toThrow();
    expect(() => preparePortalSocket(join(dir, 'x'.repeat(100)))).toThrow(/too long/);
  });

  it('leave a data directory it creates at the default mode, so the agent\'s directory under it stays reachable by the jobs', () => {
    const reference = join(dir, 'reference');
    mkdirSync(reference);
    const dataDir = join(dir, 'fresh', 'data');
    preparePortalSocket(dataDir);
    expect(statSync(join(dataDir, 'portal')).mode & 0o777).toBe(0o700);
    for (const created of [dataDir, join(dir, 'fresh')]) expect(statSync(created).mode & 0o777).toBe(statSync(reference).mode & 0o777);
  });

  it('with plaintext, configure the portal at the address\'s http origin', () => {
    const portal = portalServer(settings({ CAIRN_PORTAL_ADDRESS: '127.0.0.1:0', CAIRN_PORTAL_PLAINTEXT: 'true' }), { ...wiring, dataDir: dir });
    expect(portal?.socket).toBe(join(dir, 'portal', 'grpc.sock'));
    expect(portal?.origin).toBe('http://127.0.0.1:0');
    const behindProxy = portalServer(settings({ CAIRN_PORTAL_ADDRESS: '127.0.0.1:8080', CAIRN_PORTAL_PLAINTEXT: 'true', CAIRN_PORTAL_PUBLIC_URL: 'https://cairn.example.edu' }), { ...wiring, dataDir: dir });
    expect(behindProxy?.origin).toBe('https://cairn.example.edu');
  });
});
