import { type ProvEdge, type ProvNode, type ProvNodeType, provNodeTypeOfId, type ProvRelation, type RunSourceReply } from '@cairn/contracts';

/** A run's whole graph: the union of its RunProvenanceReply pages (any order, duplicates allowed). */
export interface RunGraph {
  readonly nodes: readonly ProvNode[];
  readonly edges: readonly ProvEdge[];
}

/** What the export builders read of a run's recorded source (RunSourceReply). */
export type RunSource = RunSourceReply;

/** The graph with duplicates merged and everything in a stable order (same graph → same export bytes). */
export interface NormalGraph {
  readonly nodes: readonly ProvNode[];
  readonly edges: readonly ProvEdge[];
  readonly byId: ReadonlyMap<string, ProvNode>;
  /** Edges by relation and their `from` node, and by relation and their `to` node (in edge order). */
  readonly out: ReadonlyMap<string, readonly ProvEdge[]>;
  readonly in: ReadonlyMap<string, readonly ProvEdge[]>;
}

const key = (relation: ProvRelation, id: string): string => `${relation}\u0000${id}`;

function group(edges: readonly ProvEdge[], end: 'from' | 'to'): Map<string, ProvEdge[]> {
  const groups = new Map<string, ProvEdge[]>();
  for (const edge of edges) {
    const k = key(edge.relation, edge[end]);
    const list = groups.get(k);
    if (list) list.push(edge);
    else groups.set(k, [edge]);
  }
  return groups;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const sortedAttributes = (attributes: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(attributes).sort(([a], [b]) => compare(a, b)));

/** Merges pages: one node per id (attributes merged, later pages win), one edge per relation, ends and attributes. */
export function normalizeGraph(graph: RunGraph | NormalGraph): NormalGraph {
  if ('byId' in graph) return graph;
  const nodes = new Map<string, ProvNode>();
  for (const node of graph.nodes) {
    const seen = nodes.get(node.id);
    nodes.set(node.id, seen ? { ...node, attributes: { ...seen.attributes, ...node.attributes } } : node);
  }
  const edges = new Map<string, ProvEdge>();
  for (const edge of graph.edges) {
    const normal = { relation: edge.relation, from: edge.from, to: edge.to, attributes: sortedAttributes(edge.attributes) };
    edges.set(JSON.stringify(normal), normal);
  }
  const sortedNodes = [...nodes.values()].sort((a, b) => compare(a.id, b.id)).map((n) => ({ ...n, attributes: sortedAttributes(n.attributes) }));
  const sortedEdges = [...edges.entries()].sort(([a], [b]) => compare(a, b)).map(([, e]) => e);
  return { nodes: sortedNodes, edges: sortedEdges, byId: new Map(sortedNodes.map((n) => [n.id, n])), out: group(sortedEdges, 'from'), in: group(sortedEdges, 'to') };
}


export type ProvClass = 'entity' | 'activity' | 'agent';

const CLASS_BY_TYPE: Readonly<Record<ProvNodeType, ProvClass>> = {
  run: 'activity',
  step: 'activity',
  iteration: 'activity',
  item: 'activity',
  job: 'activity',
  'workflow-file': 'entity',
  params: 'entity',
  image: 'entity',
  file: 'entity',
  decision: 'entity',
  person: 'agent',
  site: 'agent',
};

/** A node's type: from the node when the graph has it, else from its id's prefix (docs/provenance.md). */
export function typeOf(graph: NormalGraph, id: string): ProvNodeType | undefined {
  const node = graph.byId.get(id);
  return node ? node.type : provNodeTypeOfId(id);
}

/** A node's PROV class: the node's own kind, else its type's. */
export function classOf(graph: NormalGraph, id: string): ProvClass | undefined {
  const node = graph.byId.get(id);
  if (node) return node.kind;
  const type = typeOf(graph, id);
  return type ? CLASS_BY_TYPE[type] : undefined;
}

/** Edges of one relation, optionally only those from one node. */
export function edgesOf(graph: NormalGraph, relation: ProvRelation, from?: string): readonly ProvEdge[] {
  if (from !== undefined) return graph.out.get(key(relation, from)) ?? [];
  return graph.edges.filter((e) => e.relation === relation);
}

/** Edges of one relation into one node. */
export function edgesInto(graph: NormalGraph, relation: ProvRelation, to: string): readonly ProvEdge[] {
  return graph.in.get(key(relation, to)) ?? [];
}

/**
 * A node id as the local part of an IRI or QName: letters, digits and `-._~:/` stay, every
 * other UTF-8 byte becomes %XX (so `[`, `#`, `@`, spaces and quotes never reach a QName raw).
 */
export function encodeId(id: string): string {
  if (/^[A-Za-z0-9\-._~:/]*$/.test(id)) return id;
  let out = '';
  for (const byte of Buffer.from(id, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~:/]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The IRI namespace of Cairn's node ids: `urn:cairn:node:<encoded id>`. */
export const NODE_NAMESPACE = 'urn:cairn:node:';
/** The IRI namespace of Cairn's provenance terms (attributes and types). */
export const TERMS_NAMESPACE = 'urn:cairn:terms#';

export const nodeIri = (id: string): string => `${NODE_NAMESPACE}${encodeId(id)}`;

/** An ISO 8601 date-time with an offset (what provenance records): kept; anything else: undefined. */
export function isoTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value));
  return ok ? value : undefined;
}

/** A whole number written in decimal (what sizes, exit codes and counts are), else undefined. */
export function wholeNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The top activity of the graph: its `run` node, else (a job outside any workflow) its job. */
export function topActivity(graph: NormalGraph, runId: string): ProvNode | undefined {
  return graph.byId.get(`run:${runId}`) ?? graph.nodes.find((n) => n.type === 'run') ?? graph.byId.get(`job:${runId}`);
}
