import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@cairn/config';
import { makeTestCa, type TestCa } from '@cairn/testing';
import { gatewaySettings } from './gateway-settings';
import { grpcTransport, serverCredentials } from './grpc-tls';

describe('grpcTransport: TLS unless plaintext is asked for', () => {
  let dir: string;
  let tls: TestCa;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grpc-tls-'));
    tls = makeTestCa(join(dir, 'tls'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const settings = (env: Record<string, string>) => loadConfig(gatewaySettings, { env });

  it('serves TLS with the certificate and key the settings name', () => {
    const transport = grpcTransport(settings({ CAIRN_TLS_CERT_FILE: tls.serverCert, CAIRN_TLS_KEY_FILE: tls.serverKey }));
    expect('tls' in transport && transport.tls.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(serverCredentials(transport)._isSecure()).toBe(true);
  });

  it('serves plaintext only when CAIRN_GRPC_PLAINTEXT=true (exactly "true")', () => {
    expect(grpcTransport(settings({ CAIRN_GRPC_PLAINTEXT: 'true' }))).toEqual({ plaintext: true });
    expect(serverCredentials({ plaintext: true })._isSecure()).toBe(false);
    expect(() => settings({ CAIRN_GRPC_PLAINTEXT: 'yes' })).toThrow(/CAIRN_GRPC_PLAINTEXT \(grpcPlaintext\) is "yes": expected true or false/);
  });

  it.each([
    [{}, /the gateway serves gRPC over TLS and has no certificate: set CAIRN_TLS_CERT_FILE and CAIRN_TLS_KEY_FILE \(PEM\), or CAIRN_GRPC_PLAINTEXT=true for local development only/],
    [{ CAIRN_GRPC_PLAINTEXT: 'false' }, /has no certificate: set CAIRN_TLS_CERT_FILE/],
    [{ CAIRN_TLS_CERT_FILE: '/x/cert.pem' }, /^CAIRN_TLS_KEY_FILE is unset: set CAIRN_TLS_CERT_FILE and CAIRN_TLS_KEY_FILE/],
    [{ CAIRN_TLS_KEY_FILE: '/x/key.pem' }, /^CAIRN_TLS_CERT_FILE is unset/],
    [{ CAIRN_TLS_CERT_FILE: '/nowhere/cert.pem', CAIRN_TLS_KEY_FILE: '/nowhere/key.pem' }, /^CAIRN_TLS_CERT_FILE: cannot read \/nowhere\/cert.pem: ENOENT$/],
  ])('refuses to start with %j, naming the settings', (env, message) => {
    expect(() => grpcTransport(settings(env))).toThrow(ConfigError);
    expect(() => grpcTransport(settings(env))).toThrow(message);
  });

  it('refuses a certificate and plaintext together, a file that holds no certificate, and a key others may read', () => {
    expect(() => grpcTransport(settings({ CAIRN_GRPC_PLAINTEXT: 'true', CAIRN_TLS_CERT_FILE: tls.serverCert, CAIRN_TLS_KEY_FILE: tls.serverKey }))).toThrow(
      /CAIRN_GRPC_PLAINTEXT=true and a TLS certificate are both set/,
    );
    expect(() => grpcTransport(settings({ CAIRN_TLS_CERT_FILE: tls.serverKey, CAIRN_TLS_KEY_FILE: tls.serverKey }))).toThrow(/holds no PEM certificate/);
    const open = join(dir, 'open.key');
    writeFileSync(open, 'not a key');
    chmodSync(open, 0o644);
    const error = (() => {
      try {
        grpcTransport(settings({ CAIRN_TLS_CERT_FILE: tls.serverCert, CAIRN_TLS_KEY_FILE: open }));
      } catch (e) {
        return e as Error;
      }
      return new Error('accepted');
    })();
    expect(error.message).toBe(`CAIRN_TLS_KEY_FILE: ${open} may be read by anyone (mode 0644); make it readable by its owner only (chmod 0600)`);
    expect(error.message).not.toContain('not a key');
  });
});
