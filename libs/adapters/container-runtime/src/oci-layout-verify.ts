import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError } from '@cairn/contracts';
import { z } from 'zod';

/** Most bytes of index.json or of one manifest/index blob read into memory. */
export const MAX_LAYOUT_JSON_BYTES = 4 * 1024 * 1024;
/** Most blobs one layout may reference (manifests, configs and layers together). */
export const MAX_LAYOUT_BLOBS = 10_000;
/** Most levels of nested indexes followed below index.json. */
export const MAX_INDEX_DEPTH = 4;

const descriptor = z.looseObject({
  mediaType: z.string().max(255).optional(),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256:<64 hex>'),
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
type Descriptor = z.infer<typeof descriptor>;
const indexSchema = z.looseObject({ schemaVersion: z.literal(2), manifests: z.array(descriptor).max(MAX_LAYOUT_BLOBS) });
const manifestSchema = z.looseObject({ schemaVersion: z.literal(2), config: descriptor, layers: z.array(descriptor).max(MAX_LAYOUT_BLOBS) });

/** What verifyLayout checked. */
export interface VerifiedLayout {
  /** Digests of the image manifests (not indexes) reachable from index.json. */
  manifests: string[];
  /** Blobs checked, and their bytes. */
  blobs: number;
  bytes: number;
}

/** A blob or layout the agent refuses to use: the message names the blob and what is wrong. */
export function layoutRefusal(what: string): CairnError {
  return new CairnError('FAILED_PRECONDITION', `image refused: ${what}`);
}

/**
 * Checks an OCI image layout before anything uses it: every blob reachable from index.json
 * (indexes, manifests, configs, layers) is a regular file whose size is the descriptor's
 * and whose sha256 (streamed) is its digest. A blob that differs, is missing or is not a
 * regular file, and an index.json or manifest that is not what the OCI spec says, are
 * refused with a CairnError naming the blob. Digests are checked against the
 * `sha256:<64 hex>` pattern before they name a path, so no descriptor reaches outside
 * `blobs/sha256`.
 */
export async function verifyLayout(dir: string): Promise<VerifiedLayout> {
  const index = parseJson(await readBounded(join(dir, 'index.json'), 'index.json'), 'index.json', indexSchema);
  const seen = new Set<string>();
  const result: VerifiedLayout = { manifests: [], blobs: 0, bytes: 0 };

  const checkBlob = async (blob: Descriptor): Promise<void> => {
    if (seen.has(blob.digest)) return;
    if (seen.size >= MAX_LAYOUT_BLOBS) throw layoutRefusal(`the layout references more than ${MAX_LAYOUT_BLOBS} blobs`);
    seen.add(blob.digest);
    await verifyBlob(dir, blob);
    result.blobs += 1;
    result.bytes += blob.size;
  };

  const follow = async (entry: Descriptor, depth: number): Promise<void> => {
    if (depth > MAX_INDEX_DEPTH) throw layoutRefusal(`indexes nested deeper than ${MAX_INDEX_DEPTH} levels at blob ${entry.digest}`);
    if (entry.size > MAX_LAYOUT_JSON_BYTES) throw layoutRefusal(`manifest blob ${entry.digest} is ${entry.size} bytes, over ${MAX_LAYOUT_JSON_BYTES}`);
    const fresh = !seen.has(entry.digest);
    await checkBlob(entry);
    if (!fresh) return;
    const text = await readFile(blobPath(dir, entry.digest));
    const raw = parseJson(text, `manifest blob ${entry.digest}`, z.looseObject({ manifests: z.unknown().optional() }));
    if (raw.manifests !== undefined) {
      const nested = parseJson(text, `index blob ${entry.digest}`, indexSchema);
      for (const child of nested.manifests) await follow(child, depth + 1);
      return;
    }
    const manifest = parseJson(text, `manifest blob ${entry.digest}`, manifestSchema);
    result.manifests.push(entry.digest);
    const unseen = new Set([manifest.config, ...manifest.layers].map((blob) => blob.digest).filter((digest) => !seen.has(digest)));
    if (seen.size + unseen.size > MAX_LAYOUT_BLOBS) throw layoutRefusal(`the layout references more than ${MAX_LAYOUT_BLOBS} blobs`);
    await checkBlob(manifest.config);
    await inPool(manifest.layers, VERIFY_CONCURRENCY, checkBlob);
  };

  if (index.manifests.length === 0) throw layoutRefusal('index.json lists no manifest');
  for (const entry of index.manifests) await follow(entry, 1);
  return result;
}

/** Blobs hashed at once. */
const VERIFY_CONCURRENCY = 4;

/** Runs `work` on every item, at most `size` at a time; the first failure rejects (after the running ones end). */
async function inPool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(size, items.length) }, worker));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
}

function blobPath(dir: string, digest: string): string {
  return join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
}

/** One blob: a regular file of the descriptor's size whose streamed sha256 is its digest. */
async function verifyBlob(dir: string, blob: Descriptor): Promise<void> {
  const path = blobPath(dir, blob.digest);
  const info = await lstat(path).catch(() => undefined);
  if (!info) throw layoutRefusal(`blob ${blob.digest} is missing from the pulled image`);
  if (!info.isFile()) throw layoutRefusal(`blob ${blob.digest} is not a regular file`);
  if (info.size !== blob.size) throw layoutRefusal(`blob ${blob.digest} has ${info.size} bytes where its descriptor says ${blob.size} (tampered or corrupt)`);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== blob.digest) throw layoutRefusal(`blob ${blob.digest} does not match its digest (its content hashes to ${actual}): tampered or corrupt`);
}

async function readBounded(path: string, name: string): Promise<Buffer> {
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile()) throw layoutRefusal(`${name} is missing from the pulled image`);
  if (info.size > MAX_LAYOUT_JSON_BYTES) throw layoutRefusal(`${name} is ${info.size} bytes, over ${MAX_LAYOUT_JSON_BYTES}`);
  return readFile(path);
}

function parseJson<T>(bytes: Buffer, name: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw layoutRefusal(`${name} is not JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw layoutRefusal(`${name} is not a valid OCI ${name === 'index.json' || name.startsWith('index') ? 'index' : 'manifest'}: ${issue?.path.join('.') || '(root)'} ${issue?.message ?? ''}`.trim());
  }
  return parsed.data;
}
