import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { PortalRequest, PortalResponse } from './http-types';
import { resolveStaticPath, StaticFiles } from './static-files';

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'portal-static-'));
  root = join(base, 'portal');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Cairn</title>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log("cairn");'.repeat(50));
  writeFileSync(join(root, 'favicon.svg'), '<svg/>');
  writeFileSync(join(base, 'secret.txt'), 'outside');
  writeFileSync(join(base, 'portal-sibling'), 'outside too');
  symlinkSync(join(base, 'secret.txt'), join(root, 'assets', 'link.txt'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A recorded response. */
class Recorder implements PortalResponse {
  statusCode = 200;
  headersSent = false;
  writableEnded = false;
  readonly headers = new Map<string, unknown>();
  body = Buffer.alloc(0);
  setHeader(name: string, value: string | number | readonly string[]) {
    this.headers.set(name.toLowerCase(), value);
  }
  getHeader(name: string) {
    return this.headers.get(name.toLowerCase());
  }
  removeHeader(name: string) {
    this.headers.delete(name.toLowerCase());
  }
  write(chunk: Buffer | string) {
    this.headersSent = true;
    this.body = Buffer.concat([this.body, Buffer.from(chunk)]);
    return true;
  }
  end(chunk?: Buffer | string) {
    if (chunk !== undefined) this.write(chunk);
    this.headersSent = true;
    this.writableEnded = true;
  }
  once() {
    return this;
  }
}

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Recorder {
  const req: PortalRequest = Object.assign(Readable.from([]), { method, url: path, headers });
  const res = new Recorder();
  new StaticFiles(root).serve(req, res, path);
  return res;
}

describe('StaticFiles', () => {
  it('serves hashed assets immutable and index.html never cached; gzip when asked', () => {
    const asset = get('/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.getHeader('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.getHeader('content-type')).toBe('text/javascript; charset=utf-8');
    const zipped = get('/assets/index-abc123.js', { 'accept-encoding': 'gzip, br' });
    expect(zipped.getHeader('content-encoding')).toBe('gzip');
    expect(gunzipSync(zipped.body).toString()).toBe(asset.body.toString());
    const index = get('/');
    expect(index.body.toString()).toContain('<title>Cairn</title>');
    expect(index.getHeader('cache-control')).toBe('no-cache');
  });

  it('answers every route of the app with index.html, and a missing file with 404', () => {
    for (const route of ['/submit', '/workflows/8f2c', '/admin/audit', '/templates/my-pipeline']) {
      const res = get(route);
      expect(res.statusCode).toBe(200);
      expect(res.body.toString()).toContain('<title>Cairn</title>');
      expect(res.getHeader('cache-control')).toBe('no-cache');
    }
    expect(get('/assets/missing-1.js').statusCode).toBe(404);
    expect(get('/robots.txt').statusCode).toBe(404);
    expect(get('/', {}, 'POST').statusCode).toBe(405);
    expect(get('/', {}, 'HEAD').body).toHaveLength(0);
  });

  it.each(['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/../../secret.txt', '/..\\secret.txt', '/%5c..%5csecret.txt', '/assets/link.txt', '/../portal-sibling', '/index.html%00.js', '/%zz'])(
    'never serves %s from outside the bundle',
    (path) => {
      expect(resolveStaticPath(root, path)).toBeUndefined();
      expect(get(path).body.toString()).not.toMatch(/outside/);
    },
  );

  it('never serves a file outside the bundle, whatever the path (property)', () => {
    const segment = fc.constantFrom('..', '.', '%2e%2e', '%2E%2E', '..%2f', '..%5c', '%2f', '\\', 'assets', 'secret.txt', 'portal-sibling', 'link.txt', '%00', '', 'index.html');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 8 }), (segments) => {
        const path = `/${segments.join('/')}`;
        const file = resolveStaticPath(root, path);
        if (file !== undefined) expect(file.startsWith(`${root}/`)).toBe(true);
        expect(get(path).body.toString()).not.toMatch(/outside/);
      }),
      { numRuns: 1000 },
    );
  });
});
