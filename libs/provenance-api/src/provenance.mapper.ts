import {
  CairnError,
  type LineageQuery,
  type LineageReply,
  lineageStartSchema,
  MAX_LINEAGE_DEPTH,
  parseOrThrow,
  pb,
  type ProvEdge,
  type ProvNode,
  type RunProvenanceQuery,
  type RunProvenanceReply,
  uuid,
} from '@cairn/contracts';

/** Translation of provenance between the provenance service's NATS replies and the public protobuf messages. */

/** Nodes per page: the most, and what an unset page_size means (docs/provenance.md). */
export const PROVENANCE_PAGES = { max: 5000, runDefault: 1000, lineageDefault: 500 } as const;
/** Relations Lineage follows when max_depth is unset. */
export const DEFAULT_LINEAGE_DEPTH = 10;
const MAX_PAGE_TOKEN_CHARS = 512;

const KIND: Record<ProvNode['kind'], pb.ProvKind> = {
  entity: pb.ProvKind.PROV_KIND_ENTITY,
  activity: pb.ProvKind.PROV_KIND_ACTIVITY,
  agent: pb.ProvKind.PROV_KIND_AGENT,
};

type Called = 'caller' | 'peer' | 'rpc';

export function toRunId(runId: string): string {
  return parseOrThrow(uuid, runId, 'run_id');
}

function pageSize(value: number, fallback: number): number {
  if (value === 0) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > PROVENANCE_PAGES.max) throw new CairnError('INVALID_ARGUMENT', `page_size: must be 1..${PROVENANCE_PAGES.max} (or unset for ${fallback}), not ${value}`);
  return value;
}

function pageToken(value: string): { pageToken?: string } {
  if (value.length > MAX_PAGE_TOKEN_CHARS) throw new CairnError('INVALID_ARGUMENT', 'page_token: not a token from a previous page');
  return value ? { pageToken: value } : {};
}

export function toRunProvenanceQuery(request: pb.GetRunProvenanceRequest): Omit<RunProvenanceQuery, Called> {
  return { runId: toRunId(request.runId), pageSize: pageSize(request.pageSize, PROVENANCE_PAGES.runDefault), ...pageToken(request.pageToken) };
}

function lineageStart(request: pb.LineageRequest): LineageQuery['start'] {
  const given = [request.nodeId ? 'node_id' : '', request.sha256 ? 'sha256' : '', request.imageDigest ? 'image_digest' : ''].filter(Boolean);
  if (given.length !== 1) {
    throw new CairnError('INVALID_ARGUMENT', `give exactly one of node_id, sha256 and image_digest to start from${given.length > 1 ? `, not ${given.join(' and ')}` : ''}`);
  }
  if (request.nodeId) return parseOrThrow(lineageStartSchema, { nodeId: request.nodeId }, 'node_id');
  if (request.sha256) return parseOrThrow(lineageStartSchema.options[1], { sha256: request.sha256 });
  return parseOrThrow(lineageStartSchema.options[2], { imageDigest: request.imageDigest });
}

function direction(value: pb.LineageDirection): LineageQuery['direction'] {
  if (value === pb.LineageDirection.LINEAGE_DIRECTION_UNSPECIFIED || value === pb.LineageDirection.LINEAGE_DIRECTION_UPSTREAM) return 'upstream';
  if (value === pb.LineageDirection.LINEAGE_DIRECTION_DOWNSTREAM) return 'downstream';
  throw new CairnError('INVALID_ARGUMENT', `direction: ${String(value)} is not a lineage direction`);
}

function maxDepth(value: number): number {
  if (value === 0) return DEFAULT_LINEAGE_DEPTH;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LINEAGE_DEPTH) throw new CairnError('INVALID_ARGUMENT', `max_depth: must be 1..${MAX_LINEAGE_DEPTH} (or unset for ${DEFAULT_LINEAGE_DEPTH}), not ${value}`);
  return value;
}

export function toLineageQuery(request: pb.LineageRequest): Omit<LineageQuery, Called> {
  return {
    start: lineageStart(request),
    direction: direction(request.direction),
    maxDepth: maxDepth(request.maxDepth),
    pageSize: pageSize(request.pageSize, PROVENANCE_PAGES.lineageDefault),
    ...pageToken(request.pageToken),
  };
}

export type ExportFormatName = 'prov-json' | 'ro-crate';

export function toExportFormat(format: pb.ExportFormat): ExportFormatName {
  if (format === pb.ExportFormat.EXPORT_FORMAT_PROV_JSON) return 'prov-json';
  if (format === pb.ExportFormat.EXPORT_FORMAT_RO_CRATE) return 'ro-crate';
  throw new CairnError('INVALID_ARGUMENT', 'format: must be EXPORT_FORMAT_PROV_JSON or EXPORT_FORMAT_RO_CRATE');
}

export function toPbNode(node: ProvNode): pb.ProvNode {
  return { id: node.id, kind: KIND[node.kind], type: node.type, label: node.label, runId: node.runId, attributes: { ...node.attributes } };
}

export function toPbEdge(edge: ProvEdge): pb.ProvEdge {
  return { relation: edge.relation, from: edge.from, to: edge.to, attributes: { ...edge.attributes } };
}

export function toPbRunProvenance(reply: RunProvenanceReply): pb.GetRunProvenanceResponse {
  return {
    runId: reply.runId,
    nodes: reply.nodes.map(toPbNode),
    edges: reply.edges.map(toPbEdge),
    nextPageToken: reply.nextPageToken,
    complete: reply.complete,
    rerunOf: reply.rerunOf ?? '',
  };
}

export function toPbLineage(reply: LineageReply): pb.LineageResponse {
  return { nodes: reply.nodes.map(toPbNode), edges: reply.edges.map(toPbEdge), nextPageToken: reply.nextPageToken, depthLimited: reply.depthLimited, depths: [...reply.depths] };
}
