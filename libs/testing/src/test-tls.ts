import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { WORKSPACE } from './service-process';

/** A private CA and a server certificate it signed (SANs 127.0.0.1 and localhost), as files. */
export interface TestCa {
  /** The CA certificate (PEM): what clients verify the server with. */
  file: string;
  serverCert: string;
  serverKey: string;
}

/** Makes a CA and a server certificate in `dir` with the dev cluster's own script (tools/tls/make-certs.sh). */
export function makeTestCa(dir: string): TestCa {
  const result = spawnSync('bash', [join(WORKSPACE, 'tools', 'tls', 'make-certs.sh'), dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`make-certs.sh failed (${result.status}): ${result.stderr}`);
  return { file: join(dir, 'ca.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server.key') };
}
