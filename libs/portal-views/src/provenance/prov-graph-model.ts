import { ProvKind, type ProvEdge, type ProvNode } from '@cairn/portal-client';

/** A PROV node's class as a word (the shape and the text of its box). */
export type KindName = 'entity' | 'activity' | 'agent';

/** One node of a provenance graph, as the view keeps it. */
export interface GraphNode {
  readonly id: string;
  readonly kind: KindName;
  /** run, step, item, iteration, job, workflow-file, params, image, file, decision, person, site. */
  readonly type: string;
  readonly label: string;
  /** The run it belongs to ('' for shared nodes: images, people, sites). */
  readonly runId: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** One relation, read "from <relation> to". */
export interface GraphEdge {
  readonly relation: string;
  readonly from: string;
  readonly to: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Nodes by id and edges by (relation, from, to), in the order they first came. */
export interface ProvGraph {
  readonly nodes: ReadonlyMap<string, GraphNode>;
  readonly edges: ReadonlyMap<string, GraphEdge>;
}

export const emptyGraph = (): ProvGraph => ({ nodes: new Map(), edges: new Map() });

export function kindName(kind: ProvKind, type = ''): KindName {
  if (kind === ProvKind.ACTIVITY) return 'activity';
  if (kind === ProvKind.AGENT) return 'agent';
  if (kind === ProvKind.ENTITY) return 'entity';
  // Unspecified: by type (docs/provenance.md's table).
  if (['run', 'step', 'item', 'iteration', 'job'].includes(type)) return 'activity';
  if (type === 'person' || type === 'site') return 'agent';
  return 'entity';
}

/** A copy of a map field with no inherited keys (a key named "__proto__" is just a key). */
function plain(record: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(record)) out[k] = v;
  return out;
}

export function toGraphNode(node: ProvNode): GraphNode {
  return { id: node.id, kind: kindName(node.kind, node.type), type: node.type, label: node.label, runId: node.runId, attributes: plain(node.attributes) };
}

export function toGraphEdge(edge: ProvEdge): GraphEdge {
  return { relation: edge.relation, from: edge.from, to: edge.to, attributes: plain(edge.attributes) };
}

export const edgeKey = (e: Pick<GraphEdge, 'relation' | 'from' | 'to'>): string => JSON.stringify([e.relation, e.from, e.to]);

/**
 * Adds a page of nodes and edges to a graph (a new graph; the old one is unchanged): a node
 * or edge already there keeps its first version, so a repeated page changes nothing.
 */
export function addPage(graph: ProvGraph, nodes: readonly ProvNode[], edges: readonly ProvEdge[]): ProvGraph {
  const n = new Map(graph.nodes);
  const e = new Map(graph.edges);
  for (const node of nodes) if (node.id !== '' && !n.has(node.id)) n.set(node.id, toGraphNode(node));
  for (const edge of edges) {
    const key = edgeKey(edge);
    if (!e.has(key)) e.set(key, toGraphEdge(edge));
  }
  return { nodes: n, edges: e };
}

/** The edges that touch a node (either end), outgoing first. */
export function edgesOf(graph: ProvGraph, id: string): { outgoing: GraphEdge[]; incoming: GraphEdge[] } {
  const outgoing: GraphEdge[] = [];
  const incoming: GraphEdge[] = [];
  for (const edge of graph.edges.values()) {
    if (edge.from === id) outgoing.push(edge);
    else if (edge.to === id) incoming.push(edge);
  }
  return { outgoing, incoming };
}

/** The node that stands for a run: `run:<id>`, or `job:<id>` for a job outside any workflow. */
export function runNodeOf(graph: ProvGraph, runId: string): GraphNode | undefined {
  return graph.nodes.get(`run:${runId}`) ?? graph.nodes.get(`job:${runId}`);
}

/** A node's label (an image's reference as written, when recorded), or the end of its id when it has none. */
export function labelOf(node: Pick<GraphNode, 'id' | 'label'> & { readonly type?: string; readonly attributes?: Readonly<Record<string, string>> }): string {
  const reference = node.type === 'image' ? (node.attributes?.['reference'] ?? '') : '';
  if (reference !== '') return reference;
  if (node.label !== '') return node.label;
  const colon = node.id.indexOf(':');
  return colon < 0 ? node.id : node.id.slice(colon + 1);
}
