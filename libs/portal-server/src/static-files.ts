import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, posix, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { header, type PortalRequest, type PortalResponse } from './http-types';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt', '.webmanifest']);
/** Files compressed once and kept: at most this large, at most this many. */
const GZIP_MAX_BYTES = 4 * 1024 * 1024;
const GZIP_CACHE_ENTRIES = 256;

/**
 * The file under `root` a URL path names, or undefined when it names none or would leave
 * `root` (dot segments, encoded separators, NUL, backslashes, symbolic links out).
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return undefined;
  const normalized = posix.normalize(decoded);
  const candidate = join(root, normalized);
  if (candidate !== root && !candidate.startsWith(root + sep)) return undefined;
  try {
    const real = realpathSync(candidate);
    const realRoot = realpathSync(root);
    if (!real.startsWith(realRoot + sep)) return undefined;
    return statSync(real).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

/** Serves the built portal: files, and index.html for every route of the app (SPA fallback). */
export class StaticFiles {
  private readonly gzipped = new Map<string, { mtimeMs: number; size: number; data: Buffer }>();

  constructor(readonly root: string) {}

  /** True when the bundle is there (index.html). */
  get present(): boolean {
    return existsSync(join(this.root, 'index.html'));
  }

  serve(req: PortalRequest, res: PortalResponse, urlPath: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.setHeader('allow', 'GET, HEAD');
      res.end();
      return;
    }
    let file = resolveStaticPath(this.root, urlPath);
    let immutable = file !== undefined && urlPath.startsWith('/assets/');
    if (file === undefined) {
      // A route of the app (no extension) gets index.html; a missing file is 404.
      const last = urlPath.slice(urlPath.lastIndexOf('/') + 1);
      if (urlPath.startsWith('/assets/') || extname(last) !== '') return notFound(res);
      file = resolveStaticPath(this.root, '/index.html');
      immutable = false;
      if (file === undefined) {
        res.statusCode = 503;
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('The portal is not built: run npx nx run portal:build (or set CAIRN_PORTAL_DIR).\n');
        return;
      }
    }
    const extension = extname(file).toLowerCase();
    res.statusCode = 200;
    res.setHeader('content-type', TYPES[extension] ?? 'application/octet-stream');
    res.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    const stat = statSync(file);
    const gzip = COMPRESSIBLE.has(extension) && stat.size <= GZIP_MAX_BYTES && /\bgzip\b/.test(header(req.headers, 'accept-encoding') ?? '');
    if (COMPRESSIBLE.has(extension)) res.setHeader('vary', 'accept-encoding');
    if (gzip) {
      const data = this.compressed(file, stat.mtimeMs, stat.size);
      res.setHeader('content-encoding', 'gzip');
      res.setHeader('content-length', data.length);
      if (req.method === 'HEAD') res.end();
      else res.end(data);
      return;
    }
    res.setHeader('content-length', stat.size);
    // The bundle's files are small (a few MB at most): read whole.
    if (req.method === 'HEAD') res.end();
    else res.end(readFileSync(file));
  }

  private compressed(file: string, mtimeMs: number, size: number): Buffer {
    const cached = this.gzipped.get(file);
    if (cached && cached.mtimeMs === mtimeMs && cached.size === size) return cached.data;
    const data = gzipSync(readFileSync(file));
    if (this.gzipped.size >= GZIP_CACHE_ENTRIES) this.gzipped.clear();
    this.gzipped.set(file, { mtimeMs, size, data });
    return data;
  }
}

function notFound(res: PortalResponse): void {
  res.statusCode = 404;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('cache-control', 'no-cache');
  res.end('Not found\n');
}
