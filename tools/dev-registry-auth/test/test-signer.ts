import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Signer } from '../src/token';

/** For the specs: a fresh RSA key and its self-signed certificate, made with openssl as dev-cluster.sh does. */
export function testSigner(): Signer & { certPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dev-registry-auth-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1', '-subj', '/CN=test-issuer', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], {
      stdio: 'ignore',
    });
    const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    return { key: createPrivateKey(readFileSync(join(dir, 'key.pem'))), certDer: new X509Certificate(certPem).raw, certPem };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
