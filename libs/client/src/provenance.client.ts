import { pb } from '@cairn/contracts';
import { channelCredentials, channelOptions, type ClientOptions, callMetadata } from './client-options';
import { callUnary, readStream, type UnaryMethod } from './gateway-call';

/** Where a lineage walk starts: exactly one of a node id, a file's sha256, an image digest ("sha256:<hex>"). */
export type LineageStart = { nodeId: string } | { sha256: string } | { imageDigest: string };
export type LineageDirectionName = 'upstream' | 'downstream';
export type ExportFormatName = 'prov-json' | 'ro-crate';

export interface LineageOptions {
  direction?: LineageDirectionName;
  /** Relations to follow, 1..50 (default 10). */
  maxDepth?: number;
  /** Nodes per page, 1..5000 (default 500). */
  pageSize?: number;
  pageToken?: string;
}

/** A whole run graph or walk, every page merged. */
export interface RunGraph {
  runId: string;
  nodes: pb.ProvNode[];
  edges: pb.ProvEdge[];
  complete: boolean;
  rerunOf: string;
}
export interface LineageWalk {
  nodes: pb.ProvNode[];
  depths: number[];
  edges: pb.ProvEdge[];
  depthLimited: boolean;
}

/** One part of an export: its bytes, and on the first the content type and suggested file name. */
export interface ExportChunk {
  data: Uint8Array;
  contentType: string;
  fileName: string;
}

const DIRECTION: Record<LineageDirectionName, pb.LineageDirection> = {
  upstream: pb.LineageDirection.LINEAGE_DIRECTION_UPSTREAM,
  downstream: pb.LineageDirection.LINEAGE_DIRECTION_DOWNSTREAM,
};
const FORMAT: Record<ExportFormatName, pb.ExportFormat> = {
  'prov-json': pb.ExportFormat.EXPORT_FORMAT_PROV_JSON,
  'ro-crate': pb.ExportFormat.EXPORT_FORMAT_RO_CRATE,
};
/** Most pages the merging helpers read (a guard against a token that never ends). */
const MAX_PAGES = 10_000;

/** Cairn's TypeScript client for cairn.v1.ProvenanceService: a run's PROV graph, lineage, exports and re-runs. */
export class ProvenanceClient {
  private readonly client: pb.ProvenanceServiceClient;

  constructor(
    address: string,
    private readonly options: ClientOptions = {},
  ) {
    this.client = new pb.ProvenanceServiceClient(address, channelCredentials(options), channelOptions());
  }

  private async call<Req, Res>(method: UnaryMethod<Req, Res>, request: Req, deadlineMs: number): Promise<Res> {
    return callUnary(this.client, method, request, deadlineMs, await callMetadata(this.options.token));
  }

  /** One page of a run's (or a job's) graph. */
  getRunProvenance(runId: string, page: { pageSize?: number; pageToken?: string } = {}): Promise<pb.GetRunProvenanceResponse> {
    const full: pb.GetRunProvenanceRequest = { runId, pageSize: page.pageSize ?? 0, pageToken: page.pageToken ?? '' };
    return this.call(this.client.getRunProvenance as UnaryMethod<pb.GetRunProvenanceRequest, pb.GetRunProvenanceResponse>, full, 30_000);
  }

  /**
   * The whole graph of a run: every page, merged (`rerunOf` from the last). `complete` only
   * if every page said so: pages are read one after another while events may still be
   * recorded, and only a graph complete from its first page on is the whole run.
   */
  async getRunGraph(runId: string, page: { pageSize?: number } = {}): Promise<RunGraph> {
    const graph: RunGraph = { runId, nodes: [], edges: [], complete: false, rerunOf: '' };
    let pageToken = '';
    for (let pages = 0; pages < MAX_PAGES; pages += 1) {
      const reply = await this.getRunProvenance(runId, { ...page, pageToken });
      graph.nodes.push(...reply.nodes);
      graph.edges.push(...reply.edges);
      graph.complete = (pages === 0 || graph.complete) && reply.complete;
      graph.rerunOf = reply.rerunOf;
      pageToken = reply.nextPageToken;
      if (!pageToken) break;
    }
    return graph;
  }

  /** One page of a lineage walk from `start` (upstream unless told). */
  lineage(start: LineageStart, options: LineageOptions = {}): Promise<pb.LineageResponse> {
    const full: pb.LineageRequest = {
      nodeId: 'nodeId' in start ? start.nodeId : '',
      sha256: 'sha256' in start ? start.sha256 : '',
      imageDigest: 'imageDigest' in start ? start.imageDigest : '',
      direction: DIRECTION[options.direction ?? 'upstream'],
      maxDepth: options.maxDepth ?? 0,
      pageSize: options.pageSize ?? 0,
      pageToken: options.pageToken ?? '',
    };
    return this.call(this.client.lineage as UnaryMethod<pb.LineageRequest, pb.LineageResponse>, full, 30_000);
  }

  /** The whole walk: every page, merged (nearest nodes first). */
  async lineageAll(start: LineageStart, options: Omit<LineageOptions, 'pageToken'> = {}): Promise<LineageWalk> {
    const walk: LineageWalk = { nodes: [], depths: [], edges: [], depthLimited: false };
    let pageToken = '';
    for (let pages = 0; pages < MAX_PAGES; pages += 1) {
      const reply = await this.lineage(start, { ...options, pageToken });
      walk.nodes.push(...reply.nodes);
      walk.depths.push(...reply.depths);
      walk.edges.push(...reply.edges);
      walk.depthLimited ||= reply.depthLimited;
      pageToken = reply.nextPageToken;
      if (!pageToken) break;
    }
    return walk;
  }

  /**
   * The run's export as it streams, chunk by chunk (at most 64 KiB each, in order); the
   * first carries the content type and a suggested file name. Leaving the loop or aborting
   * `signal` cancels the call.
   */
  async *exportRun(runId: string, format: ExportFormatName, signal?: AbortSignal): AsyncGenerator<ExportChunk> {
    const request: pb.ExportRunRequest = { runId, format: FORMAT[format] };
    for await (const chunk of readStream<pb.ExportRunResponse>(async () => this.client.exportRun(request, await callMetadata(this.options.token)), signal)) {
      yield { data: chunk.data, contentType: chunk.contentType, fileName: chunk.fileName };
    }
  }

  /** The whole export in memory (small runs; stream big ones with exportRun). */
  async exportRunBytes(runId: string, format: ExportFormatName, signal?: AbortSignal): Promise<{ contentType: string; fileName: string; data: Buffer }> {
    const parts: Uint8Array[] = [];
    let contentType = '';
    let fileName = '';
    for await (const chunk of this.exportRun(runId, format, signal)) {
      if (parts.length === 0) ({ contentType, fileName } = chunk);
      parts.push(chunk.data);
    }
    return { contentType, fileName, data: Buffer.concat(parts) };
  }

  /** Submits a new run of a recorded one as the caller (same file, params unless overridden, images by digest, site). */
  rerun(runId: string, options: { params?: Record<string, string>; account?: string; requestId?: string } = {}): Promise<pb.RerunResponse> {
    const full: pb.RerunRequest = { runId, params: options.params ?? {}, account: options.account ?? '', requestId: options.requestId ?? '' };
    return this.call(this.client.rerun as UnaryMethod<pb.RerunRequest, pb.RerunResponse>, full, 90_000);
  }

  close(): void {
    this.client.close();
  }
}
