import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeTestCa, waitFor } from '@cairn/testing';
import { axeViolations, expectAccessible, JWT_PATTERN, launchChromium, newContext, readableByScript, serverCertificate, VIEWPORTS, watchPage } from '@cairn/testing/browser';
import type { Browser } from 'playwright-core';

// The browser kit the portal suites stand on, against a small real HTTPS server with a
// certificate from a private CA: Debian's Chromium trusts exactly the pinned key, axe-core
// finds what it must, and page problems are caught.
const pages: Record<string, string> = {
  '/good': `<!DOCTYPE html><html lang="en"><head><meta name="viewport" content="width=device-width, initial-scale=1"><title>Good</title></head><body><main><h1>Good</h1>
<label>Name <input name="n"></label><button type="button">Save</button></main></body></html>`,
  '/bad': `<!DOCTYPE html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>
<img src="/x.png"><button type="button"></button><input name="unlabelled"></main></body></html>`,
  '/throws': `<!DOCTYPE html><html lang="en"><head><title>Throws</title></head><body><main><h1>Throws</h1></main>
<script>localStorage.setItem('k', 'v'); setTimeout(() => { throw new Error('boom from the page'); }, 0);</script></body></html>`,
};

/** A 1×1 transparent PNG. */
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

describe('the portal browser kit (Debian Chromium through playwright-core)', () => {
  let dir: string;
  let server: Server;
  let origin: string;
  let caPem: Buffer;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-browser-kit-'));
    const ca = makeTestCa(dir);
    caPem = readFileSync(ca.file);
    server = createServer({ cert: readFileSync(ca.serverCert), key: readFileSync(ca.serverKey) }, (req, res) => {
      if (req.url === '/x.png') {
        res.writeHead(200, { 'content-type': 'image/png' }).end(PIXEL);
        return;
      }
      const body = pages[req.url ?? ''];
      // The portal's own policy: no inline script may run (the /throws page's script is the page's problem).
      const csp = req.url === '/throws' ? "default-src 'self' 'unsafe-inline'" : "default-src 'self'";
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp }).end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Pinned as the portal suites pin the stack's: the certificate the origin presents, verified with the CA.
    browser = await launchChromium({ trustServerCertificates: [await serverCertificate(origin, caPem)] });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts the pinned test certificate, and a browser without the pin refuses it', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const response = await page.goto(`${origin}/good`);
    expect(response?.status()).toBe(200);
    expect(await page.locator('h1').innerText()).toBe('Good');
    await context.close();

    const unpinned = await launchChromium();
    try {
      const other = await (await newContext(unpinned)).newPage();
      await expect(other.goto(`${origin}/good`)).rejects.toThrow(/ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      await unpinned.close();
    }
  });

  it.each(Object.entries(VIEWPORTS))('opens contexts at the %s width', async (name, size) => {
    const context = await newContext(browser, name as keyof typeof VIEWPORTS);
    const page = await context.newPage();
    await page.goto(`${origin}/good`);
    expect(await page.evaluate<number>('window.innerWidth')).toBe(size.width);
    await context.close();
  });

  it('passes an accessible page and fails an inaccessible one with a readable list (axe-core runs under a strict Content Security Policy)', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const watch = watchPage(page);
    await page.goto(`${origin}/good`);
    await expectAccessible(page);

    await page.goto(`${origin}/bad`);
    const ids = (await axeViolations(page)).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['image-alt', 'button-name', 'label']));
    const error = await expectAccessible(page, 'the bad page').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^axe-core: \d+ serious or critical violation\(s\) on the bad page:/);
    expect(error?.message).toContain('[critical] image-alt');
    expect(error?.message).toContain('img');
    watch.check();
    await context.close();
  });

  it("records a page's uncaught errors and reads what its script can see", async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    const watch = watchPage(page);
    await page.goto(`${origin}/throws`);
    await waitFor('the page to write localStorage', async () => ((await page.evaluate<string | null>("localStorage.getItem('k')")) === 'v' ? true : undefined), 10_000, 50);
    await page.waitForTimeout(100);
    expect(() => watch.check()).toThrow(/boom from the page/);
    const seen = await readableByScript(page);
    expect(seen).toContain('k=v');
    expect(JWT_PATTERN.test(seen)).toBe(false);
    expect(JWT_PATTERN.test('x eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLWJ5dGVz y')).toBe(true);
    await context.close();
  });
});
