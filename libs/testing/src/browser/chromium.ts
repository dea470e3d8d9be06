import { createHash, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:tls';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium (tools/dev-cluster/dev-cluster.sh installs it); CAIRN_CHROMIUM overrides. */
export const CHROMIUM_PATH = process.env['CAIRN_CHROMIUM'] ?? '/usr/bin/chromium';

/** The widths the portal must work at: a laptop and a phone. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof VIEWPORTS;

/**
 * The base64 SHA-256 of a certificate's public key (SubjectPublicKeyInfo, DER): what
 * Chromium's --ignore-certificate-errors-spki-list takes.
 */
export function spkiHash(certificatePem: string | Buffer): string {
  const der = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/**
 * The certificate an HTTPS origin presents, verified against `ca` (the test stack's CA):
 * what to pin with `trustServerCertificates`, so Chromium accepts that server and nothing else.
 */
export function serverCertificate(origin: string, ca: string | Buffer): Promise<Buffer> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 443), servername: url.hostname === '127.0.0.1' ? undefined : url.hostname, ca }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(raw);
    });
    socket.once('error', reject);
  });
}

export interface LaunchOptions {
  /**
   * Server certificates (PEM) to accept although no CA the machine trusts signed them: the
   * test stack's. Only certificates with exactly these public keys are accepted; every other
   * origin is checked as usual.
   */
  trustServerCertificates?: (string | Buffer)[];
}

/** Headless Chromium (Debian's), driven by playwright-core. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: run tools/dev-cluster/dev-cluster.sh up (it installs Debian's chromium) or set CAIRN_CHROMIUM`);
  }
  const args: string[] = [];
  // Chromium's sandbox refuses to run as root (CI and the dev machine run the tests as root).
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  const pins = (options.trustServerCertificates ?? []).map(spkiHash);
  if (pins.length > 0) args.push(`--ignore-certificate-errors-spki-list=${pins.join(',')}`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, args, headless: true });
}

/** A fresh context (own cookies and storage) at one of the two widths, in English, UTC. */
export async function newContext(browser: Browser, viewport: ViewportName = 'desktop'): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: VIEWPORTS[viewport],
    locale: 'en-GB',
    timezoneId: 'UTC',
    deviceScaleFactor: 1,
    ...(viewport === 'phone' ? { isMobile: true, hasTouch: true } : {}),
  });
  context.setDefaultTimeout(30_000);
  return context;
}
