import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { pushFreshImage, registryBlobPath, tamperBlob } from './registry-fixtures';

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe('tamperBlob', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'registry-data-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  function storeBlob(content: Buffer): string {
    const digest = sha256(content);
    const path = registryBlobPath(dataDir, digest);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return digest;
  }

  it('keeps the size, breaks the digest, and restore puts the exact bytes back', () => {
    const content = Buffer.from('a blob of some bytes');
    const digest = storeBlob(content);
    const path = registryBlobPath(dataDir, digest);
    expect(path).toBe(join(dataDir, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data'));
    const restore = tamperBlob(dataDir, digest);
    const tampered = readFileSync(path);
    expect(tampered.length).toBe(content.length);
    expect(sha256(tampered)).not.toBe(digest);
    restore();
    expect(readFileSync(path)).toEqual(content);
  });

  it('works on a one-byte blob', () => {
    const digest = storeBlob(Buffer.from('x'));
    tamperBlob(dataDir, digest);
    expect(sha256(readFileSync(registryBlobPath(dataDir, digest)))).not.toBe(digest);
  });

  it('names a blob the registry does not have', () => {
    expect(() => tamperBlob(dataDir, `sha256:${'0'.repeat(64)}`)).toThrow(`has no blob sha256:${'0'.repeat(64)}`);
  });

  it('refuses anything that is not a sha256 digest, touching nothing', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 100 }).filter((s) => !/^sha256:[0-9a-f]{64}$/.test(s)),
        (digest) => {
          expect(() => tamperBlob(dataDir, digest)).toThrow(/is not a sha256:<64 hex> digest/);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('pushFreshImage', () => {
  it('refuses a malformed registry, repository or tag before doing anything', async () => {
    const registry = '127.0.0.1:5000';
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 40 }).filter((s) => !/^[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?$/.test(s)).map((r) => ({ registry: r, repository: 'a', tag: 't' })),
          fc.constantFrom('', 'A/b', 'a//b', '/a', 'a/', 'a b', 'a;rm -rf /', '-a').map((r) => ({ registry, repository: r, tag: 't' })),
          fc.constantFrom('', '.t', '-t', 't:1', 't/1', 'x'.repeat(129), '$(id)').map((t) => ({ registry, repository: 'a', tag: t })),
        ),
        async (options) => {
          await expect(pushFreshImage(options)).rejects.toThrow(/^pushFreshImage: (registry|repository|tag) .* is not /);
        },
      ),
      { numRuns: 100 },
    );
  });
});
