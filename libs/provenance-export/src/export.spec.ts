import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessRepository } from '@cairn/adapters/process';
import type { ProvNode } from '@cairn/contracts';
import { EXPORT_CHUNK_BYTES, exportChunks, exportMeta, rechunk } from './export';
import { toProvJson } from './prov-json';
import { roCrateEntries } from './ro-crate';
import { RUN_ID, sampleGraph, sampleSource } from './testing/sample-run';
import { PYTHON, unzipEntries, validateCrate, validateProvJson } from './validate';

const collect = async (chunks: AsyncIterable<Buffer>): Promise<Buffer[]> => {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
};

/** The sample run with many more output files (an export of several chunks). */
function bigGraph(files: number): ReturnType<typeof sampleGraph> {
  const graph = sampleGraph();
  const job = 'job:11111111-1111-4111-8111-111111111111';
  const nodes: ProvNode[] = Array.from({ length: files }, (_, i) => ({
    id: `file:${RUN_ID}/prepare/shard-${i}.npz`,
    kind: 'entity',
    type: 'file',
    label: '',
    runId: RUN_ID,
    attributes: { path: `prepare/shard-${i}.npz`, sha256: i.toString(16).padStart(64, '0'), size: String(i), kind: 'file' },
  }));
  return { nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...nodes.map((n) => ({ relation: 'wasGeneratedBy' as const, from: n.id, to: job, attributes: { role: 'output' } }))] };
}

describe('exportChunks', () => {
  it('streams the PROV-JSON in chunks of at most 64 KiB that join to the document', async () => {
    const graph = bigGraph(2000);
    const chunks = await collect(exportChunks('prov-json', graph, sampleSource()));
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(EXPORT_CHUNK_BYTES);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text).toBe(JSON.stringify(toProvJson(graph, sampleSource())));
    expect(await validateProvJson(JSON.parse(text))).toEqual([]);
  });

  it('streams the crate as a zip that gives the same bytes for the same graph, whatever the page order', async () => {
    const graph = bigGraph(50);
    // A workflow file that does not compress: the zip spans several chunks.
    const source = sampleSource({ source: randomBytes(150_000).toString('base64') });
    const once = await collect(exportChunks('ro-crate', graph, source));
    const shuffled = { nodes: [...graph.nodes].reverse(), edges: [...graph.edges].reverse().concat(graph.edges.slice(0, 9)) };
    const again = await collect(exportChunks('ro-crate', shuffled, source));
    for (const chunk of once) expect(chunk.length).toBeLessThanOrEqual(EXPORT_CHUNK_BYTES);
    expect(once.length).toBeGreaterThan(1);
    expect(Buffer.concat(again).equals(Buffer.concat(once))).toBe(true);

    const zip = Buffer.concat(once);
    const entries = await unzipEntries(zip);
    const expected = roCrateEntries(graph, source);
    expect([...entries.keys()]).toEqual(expected.map((e) => e.path));
    for (const e of expected) expect(entries.get(e.path)?.equals(e.data)).toBe(true);
    const metadata: unknown = JSON.parse((entries.get('ro-crate-metadata.json') ?? Buffer.alloc(0)).toString('utf8'));
    expect(await validateCrate(metadata, entries)).toEqual([]);
  }, 60_000);

  it('writes a zip an independent reader (Python zipfile) accepts, with fixed entry times', async () => {
    const zip = Buffer.concat(await collect(exportChunks('ro-crate', sampleGraph(), sampleSource())));
    const dir = await mkdtemp(join(tmpdir(), 'cairn-zip-'));
    try {
      const file = join(dir, 'crate.zip');
      await writeFile(file, zip);
      const script = 'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint(json.dumps({"bad": z.testzip(), "entries": [[i.filename, list(i.date_time)] for i in z.infolist()]}))';
      const { stdout } = await new ProcessRepository().check(PYTHON, ['-c', script, file]);
      expect(JSON.parse(stdout)).toEqual({
        bad: null,
        entries: [
          ['ro-crate-metadata.json', [1980, 1, 1, 0, 0, 0]],
          ['workflow.yaml', [1980, 1, 1, 0, 0, 0]],
          ['prov.json', [1980, 1, 1, 0, 0, 0]],
        ],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('names the content type and a file name for the first chunk', () => {
    expect(exportMeta('prov-json', sampleSource())).toEqual({ contentType: 'application/json', fileName: `${RUN_ID}.prov.json` });
    expect(exportMeta('ro-crate', sampleSource())).toEqual({ contentType: 'application/zip', fileName: `${RUN_ID}.crate.zip` });
  });
});

describe('rechunk', () => {
  it.each([
    [[], []],
    [[0], []],
    [[1], [1]],
    [[EXPORT_CHUNK_BYTES], [EXPORT_CHUNK_BYTES]],
    [[EXPORT_CHUNK_BYTES + 1], [EXPORT_CHUNK_BYTES, 1]],
    [[3 * EXPORT_CHUNK_BYTES, 5], [EXPORT_CHUNK_BYTES, EXPORT_CHUNK_BYTES, EXPORT_CHUNK_BYTES, 5]],
  ])('splits chunks of %j bytes into %j', async (sizes, expected) => {
    const input = sizes.map((n, i) => Buffer.alloc(n, i + 1));
    const out = await collect(rechunk(input));
    expect(out.map((c) => c.length)).toEqual(expected);
    expect(Buffer.concat(out).equals(Buffer.concat(input))).toBe(true);
  });
});
