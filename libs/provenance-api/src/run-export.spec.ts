import { CairnError, pb, type Principal, type ProvNode, type RunProvenanceQuery, type RunProvenanceReply, type RunSourceReply } from '@cairn/contracts';
import { exportChunks, exportMeta } from '@cairn/provenance-export';
import { exportRun, MAX_EXPORT_NODES, readRunGraph, type RunExporter } from './run-export';

const RUN = '0b3b5a4e-8a43-4c1e-9f0a-2d4c6e8f0a1b';
const caller: Principal = { issuer: 'https://idp', subject: 'a', name: 'alice', posixUser: 'alice', accounts: ['alice-lab'], roles: ['user'], projects: [] };
const who = { caller, peer: 'ipv4:127.0.0.1:1', rpc: '/cairn.v1.ProvenanceService/ExportRun' };
const source: RunSourceReply = { runId: RUN, name: 'hello', fileName: 'hello.yaml', source: 'version: 1\n', sourceSha256: 'a'.repeat(64), site: 'dev', account: 'alice-lab', params: {}, images: [], complete: true };
const node = (i: number): ProvNode => ({ id: `file:${RUN}/f${i}`, kind: 'entity', type: 'file', label: `f${i}`, runId: RUN, attributes: { path: `f${i}` } });

/** A run of `count` nodes served `pageSize` at a time, as the provenance service pages it; records what was asked. */
function pagedRun(count: number) {
  const asked: Array<Pick<RunProvenanceQuery, 'pageSize' | 'pageToken'>> = [];
  const run = (query: Pick<RunProvenanceQuery, 'runId' | 'pageSize' | 'pageToken'>): Promise<RunProvenanceReply> => {
    asked.push({ pageSize: query.pageSize, ...(query.pageToken ? { pageToken: query.pageToken } : {}) });
    const from = Number(query.pageToken ?? '0');
    const to = Math.min(count, from + query.pageSize);
    const nodes = Array.from({ length: to - from }, (_, i) => node(from + i));
    return Promise.resolve({ runId: RUN, nodes, edges: nodes.map((n) => ({ relation: 'partOf' as const, from: n.id, to: `run:${RUN}`, attributes: {} })), nextPageToken: to < count ? String(to) : '', complete: true });
  };
  return { asked, run, runSource: () => Promise.resolve(source) };
}

const chunked: RunExporter = {
  meta: (format) => ({ contentType: format === 'prov-json' ? 'application/json' : 'application/zip', fileName: `${RUN}.x` }),
  async *chunks(_format, graph) {
    for (const n of graph.nodes) yield Buffer.from(`${n.id}\n`);
  },
};

async function collect(generator: AsyncIterable<pb.ExportRunResponse>): Promise<pb.ExportRunResponse[]> {
  const all: pb.ExportRunResponse[] = [];
  for await (const message of generator) all.push(message);
  return all;
}

const request = (format = pb.ExportFormat.EXPORT_FORMAT_PROV_JSON, runId = RUN): pb.ExportRunRequest => ({ runId, format });

describe('exporting a run', () => {
  it('reads every page at the largest size, then streams the chunks in order, the metadata on the first only', async () => {
    const service = pagedRun(12_001);
    const messages = await collect(exportRun(service, chunked, request(), new AbortController().signal, who));
    expect(service.asked).toEqual([{ pageSize: 5000 }, { pageSize: 5000, pageToken: '5000' }, { pageSize: 5000, pageToken: '10000' }]);
    expect(messages).toHaveLength(12_001);
    expect(messages[0]).toEqual(expect.objectContaining({ contentType: 'application/json', fileName: `${RUN}.x` }));
    expect(messages.slice(1).every((m) => m.contentType === '' && m.fileName === '')).toBe(true);
    expect(Buffer.concat(messages.map((m) => m.data)).toString().split('\n')[12_000]).toBe(`file:${RUN}/f12000`);
  });

  it('streams the real PROV-JSON export, which reads back as one JSON document', async () => {
    const messages = await collect(exportRun(pagedRun(3), { chunks: exportChunks, meta: exportMeta }, request(), new AbortController().signal, who));
    expect(messages[0]?.contentType).toBe('application/json');
    expect(messages[0]?.fileName).toBe(`${RUN}.prov.json`);
    expect(messages.every((m) => m.data.length <= 65_536)).toBe(true);
    expect(JSON.parse(Buffer.concat(messages.map((m) => m.data)).toString())).toEqual(expect.objectContaining({ prefix: expect.any(Object) as unknown }));
  });

  it('refuses a run with nothing recorded yet (FAILED_PRECONDITION), a bad format and a bad run id (INVALID_ARGUMENT) before reading anything', async () => {
    await expect(collect(exportRun(pagedRun(0), chunked, request(), new AbortController().signal, who))).rejects.toEqual(new CairnError('FAILED_PRECONDITION', `run ${RUN} has not been recorded yet; try again in a moment`));
    const service = pagedRun(1);
    await expect(collect(exportRun(service, chunked, request(pb.ExportFormat.EXPORT_FORMAT_UNSPECIFIED), new AbortController().signal, who))).rejects.toThrow(/^format: must be/);
    await expect(collect(exportRun(service, chunked, request(pb.ExportFormat.EXPORT_FORMAT_RO_CRATE, 'nope'), new AbortController().signal, who))).rejects.toThrow(/^run_id/);
    expect(service.asked).toEqual([]);
  });

  it('stops between pages and between chunks when the call is cancelled', async () => {
    const abort = new AbortController();
    const service = pagedRun(20_000);
    const read = (q: Pick<RunProvenanceQuery, 'runId' | 'pageSize' | 'pageToken'>) => service.run(q).finally(() => abort.abort());
    const graph = await readRunGraph(read, RUN, abort.signal);
    expect(graph.nodes).toHaveLength(5000);

    const later = new AbortController();
    const got: pb.ExportRunResponse[] = [];
    for await (const message of exportRun(pagedRun(100), chunked, request(), later.signal, who)) {
      got.push(message);
      if (got.length === 3) later.abort();
    }
    expect(got).toHaveLength(3);
  });

  it('refuses a graph larger than it holds in memory', async () => {
    const huge = (q: Pick<RunProvenanceQuery, 'runId' | 'pageSize' | 'pageToken'>): Promise<RunProvenanceReply> => {
      const from = Number(q.pageToken ?? '0');
      const nodes = Array.from({ length: q.pageSize }, (_, i) => node(from + i));
      return Promise.resolve({ runId: RUN, nodes, edges: [], nextPageToken: String(from + q.pageSize), complete: true });
    };
    await expect(readRunGraph(huge, RUN, new AbortController().signal)).rejects.toThrow(`the run's graph has more than ${MAX_EXPORT_NODES} nodes`);
  });
});
