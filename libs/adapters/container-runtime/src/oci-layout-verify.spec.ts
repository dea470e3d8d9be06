import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CairnError, describeControl } from '@cairn/contracts';
import { MAX_INDEX_DEPTH, MAX_LAYOUT_BLOBS, MAX_LAYOUT_JSON_BYTES, verifyLayout } from './oci-layout-verify';
import { blobFile, writeBlob, writeIndex, writeLayout } from './oci-layout.fixture';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cairn-verify-layout-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
const newDir = () => mkdtempSync(join(root, 'layout-'));
function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item ${index}`);
  return item;
}

/** The refusal verifyLayout gives: a FAILED_PRECONDITION CairnError, short and without control characters. */
async function refused(dir: string): Promise<string> {
  const error: unknown = await verifyLayout(dir).then(
    () => new Error('verifyLayout accepted the layout'),
    (e: unknown) => e,
  );
  if (!(error instanceof CairnError)) throw error;
  expect(error.code).toBe('FAILED_PRECONDITION');
  expect(error.message.length).toBeLessThanOrEqual(1000);
  expect(describeControl(error.message)).toBeUndefined();
  return error.message;
}

describe('verifyLayout', () => {
  it('accepts a layout whose every blob matches its digest and size, naming its manifest', async () => {
    const dir = newDir();
    const { manifest, config, layers } = writeLayout(dir, 3);
    await expect(verifyLayout(dir)).resolves.toEqual({
      manifests: [manifest.digest],
      blobs: 5,
      bytes: manifest.size + config.size + layers.reduce((sum, l) => sum + l.size, 0),
    });
  });

  it('refuses a tampered layer (same size, other bytes), naming the blob', async () => {
    const dir = newDir();
    const { layers } = writeLayout(dir);
    const layer = at(layers, 1);
    writeFileSync(blobFile(dir, layer.digest), Buffer.alloc(layer.size, 0xee));
    expect(await refused(dir)).toMatch(new RegExp(`blob ${layer.digest} does not match its digest .*tampered`));
  });

  it('refuses a tampered config and a tampered manifest', async () => {
    for (const which of ['config', 'manifest'] as const) {
      const dir = newDir();
      const blob = writeLayout(dir)[which];
      const bytes = Buffer.alloc(blob.size, 0x20);
      writeFileSync(blobFile(dir, blob.digest), bytes);
      expect(await refused(dir)).toContain(`blob ${blob.digest}`);
    }
  });

  it('refuses a blob of the wrong size, saying both sizes', async () => {
    const dir = newDir();
    const { layers } = writeLayout(dir);
    const layer = at(layers, 0);
    truncateSync(blobFile(dir, layer.digest), layer.size - 1);
    expect(await refused(dir)).toBe(`image refused: blob ${layer.digest} has ${layer.size - 1} bytes where its descriptor says ${layer.size} (tampered or corrupt)`);
  });

  it('refuses a missing blob and a blob that is a symbolic link', async () => {
    const dir = newDir();
    const { layers } = writeLayout(dir);
    rmSync(blobFile(dir, at(layers, 0).digest));
    expect(await refused(dir)).toBe(`image refused: blob ${at(layers, 0).digest} is missing from the pulled image`);

    const linked = newDir();
    const second = writeLayout(linked);
    const outside = join(root, 'outside-config');
    writeFileSync(outside, 'x');
    rmSync(blobFile(linked, second.config.digest));
    symlinkSync(outside, blobFile(linked, second.config.digest));
    expect(await refused(linked)).toBe(`image refused: blob ${second.config.digest} is not a regular file`);
  });

  it('follows nested indexes, and refuses them past MAX_INDEX_DEPTH levels', async () => {
    const dir = newDir();
    const { manifest } = writeLayout(dir);
    let top = manifest;
    for (let level = 1; level < MAX_INDEX_DEPTH; level += 1) {
      top = writeBlob(dir, JSON.stringify({ schemaVersion: 2, manifests: [top] }), 'application/vnd.oci.image.index.v1+json');
    }
    writeIndex(dir, [top]);
    await expect(verifyLayout(dir)).resolves.toMatchObject({ manifests: [manifest.digest] });

    top = writeBlob(dir, JSON.stringify({ schemaVersion: 2, manifests: [top] }), 'application/vnd.oci.image.index.v1+json');
    writeIndex(dir, [top]);
    expect(await refused(dir)).toMatch(/nested deeper than 4 levels/);
  });

  it('refuses an index.json over MAX_LAYOUT_JSON_BYTES, and takes one at the limit', async () => {
    const dir = newDir();
    const { manifest } = writeLayout(dir);
    const body = JSON.stringify({ schemaVersion: 2, manifests: [manifest], annotations: { pad: '' } });
    writeFileSync(join(dir, 'index.json'), body.replace('"pad":""', `"pad":"${'x'.repeat(MAX_LAYOUT_JSON_BYTES - body.length)}"`));
    await expect(verifyLayout(dir)).resolves.toMatchObject({ manifests: [manifest.digest] });
    writeFileSync(join(dir, 'index.json'), body.replace('"pad":""', `"pad":"${'x'.repeat(MAX_LAYOUT_JSON_BYTES - body.length + 1)}"`));
    expect(await refused(dir)).toBe(`image refused: index.json is ${MAX_LAYOUT_JSON_BYTES + 1} bytes, over ${MAX_LAYOUT_JSON_BYTES}`);
  });

  it('checks MAX_LAYOUT_BLOBS blobs, and refuses a layout referencing one more', async () => {
    const dir = newDir();
    const config = writeBlob(dir, '{}', 'application/vnd.oci.image.config.v1+json');
    const layers = Array.from({ length: MAX_LAYOUT_BLOBS - 1 }, (_, i) => writeBlob(dir, `layer ${i}`));
    const manifestOf = (count: number) => writeBlob(dir, JSON.stringify({ schemaVersion: 2, config, layers: layers.slice(0, count) }), 'application/vnd.oci.image.manifest.v1+json');
    writeIndex(dir, [manifestOf(MAX_LAYOUT_BLOBS - 2)]);
    await expect(verifyLayout(dir)).resolves.toMatchObject({ blobs: MAX_LAYOUT_BLOBS });
    writeIndex(dir, [manifestOf(MAX_LAYOUT_BLOBS - 1)]);
    expect(await refused(dir)).toBe(`image refused: the layout references more than ${MAX_LAYOUT_BLOBS} blobs`);
  }, 120_000);

  it('refuses descriptors whose digest would name a path outside blobs/sha256, or another algorithm', async () => {
    for (const digest of ['sha256:../../../etc/passwd', `sha512:${'a'.repeat(128)}`, `sha256:${'A'.repeat(64)}`, `sha256:${'a'.repeat(63)}/`]) {
      const dir = newDir();
      writeLayout(dir);
      writeIndex(dir, [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 10 }]);
      expect(await refused(dir)).toMatch(/^image refused: index.json is not a valid OCI index: manifests\.0\.digest must be sha256:<64 hex>$/);
    }
  });

  it('refuses any hostile index.json with a clear FAILED_PRECONDITION, never another error', async () => {
    const dir = newDir();
    const { manifest } = writeLayout(dir);
    const descriptorLike = fc.record(
      {
        mediaType: fc.oneof(fc.string(), fc.integer()),
        digest: fc.oneof(fc.constant(manifest.digest), fc.string(), fc.constant(`sha256:${'0'.repeat(64)}`)),
        size: fc.oneof(fc.constant(manifest.size), fc.integer(), fc.double()),
      },
      { requiredKeys: [] },
    );
    const hostile = fc.oneof(
      fc.string({ maxLength: 200 }).map((text) => Buffer.from(text)),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
      fc
        .record({ schemaVersion: fc.oneof(fc.constant(2), fc.jsonValue()), manifests: fc.oneof(fc.array(descriptorLike, { maxLength: 4 }), fc.jsonValue()) }, { requiredKeys: [] })
        .map((value) => Buffer.from(JSON.stringify(value))),
    );
    await fc.assert(
      fc.asyncProperty(hostile, async (bytes) => {
        writeFileSync(join(dir, 'index.json'), bytes);
        try {
          await verifyLayout(dir);
        } catch (error) {
          if (!(error instanceof CairnError)) throw error;
          expect(error.code).toBe('FAILED_PRECONDITION');
          expect(describeControl(error.message)).toBeUndefined();
          expect(error.message.length).toBeLessThanOrEqual(1000);
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('refuses a hostile manifest blob (valid digest, not a manifest) naming it', async () => {
    const dir = newDir();
    writeLayout(dir);
    const bogus = writeBlob(dir, JSON.stringify({ schemaVersion: 2, config: { digest: 'nope' } }));
    writeIndex(dir, [bogus]);
    expect(await refused(dir)).toBe(`image refused: manifest blob ${bogus.digest} is not a valid OCI manifest: config.digest must be sha256:<64 hex>`);
  });
});
