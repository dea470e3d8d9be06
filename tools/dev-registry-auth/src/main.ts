// The dev registry token server: `node -r tools/register.js tools/dev-registry-auth/src/main.ts serve ...`.
// See tools/dev-registry-auth/README.md.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createTokenServer } from './server';
import { parseServe } from './settings';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} dev-registry-auth: ${line}\n`);

function main(): void {
  const settings = parseServe(process.argv.slice(2));
  const key = createPrivateKey(readFileSync(settings.keyFile));
  const cert = new X509Certificate(readFileSync(settings.certFile));
  if (!cert.checkPrivateKey(key)) throw new Error(`dev-registry-auth: ${settings.keyFile} is not the key of ${settings.certFile}`);
  const password = (readFileSync(settings.passwordFile, 'utf8').split('\n')[0] ?? '').trim();
  if (password.length < 12) throw new Error(`dev-registry-auth: ${settings.passwordFile} must hold a password of 12 or more characters on its first line`);
  const server = createTokenServer({
    issuer: settings.issuer,
    service: settings.service,
    user: { user: settings.user, password },
    signer: { key, certDer: cert.raw },
    ttlSeconds: settings.ttlSeconds,
    log,
  });
  server.listen(settings.port, settings.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : settings.port;
    log(`serving http://${settings.host}:${port}/token (issuer ${settings.issuer}, service ${settings.service}, user ${settings.user})`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
