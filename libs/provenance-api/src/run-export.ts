import { type Called, CairnError, type pb, type ProvEdge, type ProvNode, type RunProvenanceQuery, type RunProvenanceReply, type RunSourceReply } from '@cairn/contracts';
import type { ProvenanceQueries } from './provenance.client';
import { type ExportFormatName, PROVENANCE_PAGES, toExportFormat, toRunId } from './provenance.mapper';

/** What ExportRun builds a run's export with (libs/provenance-export; a double in specs). */
export interface RunExporter {
  /** The export's bytes in order, in chunks of at most 64 KiB. */
  chunks(format: ExportFormatName, graph: RunGraphPages, source: RunSourceReply): AsyncIterable<Uint8Array>;
  /** The content type and a suggested file name, for the first chunk. */
  meta(format: ExportFormatName, source: RunSourceReply): { contentType: string; fileName: string };
}

/** A run's whole graph: the union of its pages. */
export interface RunGraphPages {
  readonly nodes: readonly ProvNode[];
  readonly edges: readonly ProvEdge[];
}

/** Most nodes of one run an export reads into memory (a 10,000-item sweep has some 30,000). */
export const MAX_EXPORT_NODES = 500_000;

/**
 * Every page of a run's graph, read one after the other (at the largest page size) until
 * the last; stops (quietly, with what it has) when `signal` aborts.
 */
export async function readRunGraph(
  read: (query: Pick<RunProvenanceQuery, 'runId' | 'pageSize' | 'pageToken'>) => Promise<RunProvenanceReply>,
  runId: string,
  signal: AbortSignal,
): Promise<RunGraphPages> {
  const nodes: ProvNode[] = [];
  const edges: ProvEdge[] = [];
  let pageToken: string | undefined;
  do {
    const page = await read({ runId, pageSize: PROVENANCE_PAGES.max, ...(pageToken ? { pageToken } : {}) });
    nodes.push(...page.nodes);
    edges.push(...page.edges);
    if (nodes.length > MAX_EXPORT_NODES) throw new CairnError('FAILED_PRECONDITION', `the run's graph has more than ${MAX_EXPORT_NODES} nodes; export it in parts with GetRunProvenance`);
    pageToken = page.nextPageToken || undefined;
  } while (pageToken && !signal.aborted);
  return { nodes, edges };
}

/**
 * ExportRun: the run's source (NOT_FOUND unless the caller may see it), then every page of
 * its graph, then the export's chunks in order, the first with the content type and file
 * name. FAILED_PRECONDITION while nothing of the run is recorded. An aborted call stops
 * between pages and between chunks.
 */
export async function* exportRun(
  provenance: Pick<ProvenanceQueries, 'run' | 'runSource'>,
  exporter: RunExporter,
  request: pb.ExportRunRequest,
  signal: AbortSignal,
  who: Called,
): AsyncGenerator<pb.ExportRunResponse> {
  const runId = toRunId(request.runId);
  const format = toExportFormat(request.format);
  const source = await provenance.runSource({ runId, ...who });
  const graph = await readRunGraph((page) => provenance.run({ ...page, ...who }), runId, signal);
  if (signal.aborted) return;
  if (graph.nodes.length === 0) throw new CairnError('FAILED_PRECONDITION', `run ${runId} has not been recorded yet; try again in a moment`);
  const meta = exporter.meta(format, source);
  let first = true;
  for await (const chunk of exporter.chunks(format, graph, source)) {
    if (signal.aborted) return;
    yield { data: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), contentType: first ? meta.contentType : '', fileName: first ? meta.fileName : '' };
    first = false;
  }
  if (first) yield { data: Buffer.alloc(0), contentType: meta.contentType, fileName: meta.fileName };
}
