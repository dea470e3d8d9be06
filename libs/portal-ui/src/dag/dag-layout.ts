import dagre from '@dagrejs/dagre';

/** One node of a graph to draw: a step (instance) with its state, if it has one. */
export interface DagNode {
  /** Unique in the graph: the step key ("train", "learn[2].train") or plan path. */
  id: string;
  /** What the box says (long labels are shortened in the box, never in the text list). */
  label: string;
  /** The state without its enum prefix (RUNNING, SUCCEEDED...); none for a plan. */
  state?: string;
  /** A second line: "array 37/100", "attempt 2", "gpu · 4 CPUs"... */
  detail?: string;
  /** Where the node links to, e.g. "/jobs/<id>". */
  href?: string;
}

/** `from` must finish before `to`. */
export interface DagEdge {
  from: string;
  to: string;
}

export interface Point {
  x: number;
  y: number;
}

/** A node with its box: x and y are the top-left corner. */
export interface PlacedNode extends DagNode {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The label as drawn (shortened with "…" when too long). */
  shownLabel: string;
  shownDetail?: string;
}

export interface PlacedEdge extends DagEdge {
  points: Point[];
}

export interface DagLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

export interface DagLayoutOptions {
  /** Top to bottom (default: reads well on a phone) or left to right. */
  direction?: 'TB' | 'LR';
}

/** Characters a box shows of its label before shortening it. */
export const MAX_LABEL_CHARS = 30;
const CHAR_WIDTH = 7.4;
const NODE_HEIGHT = 54;
const MIN_WIDTH = 120;
const PADDING = 36;
const MARGIN = 8;
/** Space between boxes of one rank. */
const NODE_GAP = 24;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** A text's characters as people see them (grapheme clusters: an emoji with its modifiers is one). */
export function characters(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Shortens a text to at most `max` characters, keeping its end (where step names are). */
export function shorten(text: string, max = MAX_LABEL_CHARS): string {
  const chars = characters(text);
  if (chars.length <= max) return text;
  return `…${chars.slice(chars.length - (max - 1)).join('')}`;
}

/** Room for a state on a box's second line ("✓ SUCCEEDED  ·  "): the same for every state, so a change of state never moves a box. */
const STATE_CHARS = 16;
/** Box widths are multiples of this, so a count in the detail that grows by a digit rarely moves a box. */
const WIDTH_STEP = 16;

/** The width of a node's box: its label or its second line (state and detail), whichever is longer. */
export function boxWidth(node: DagNode): number {
  const label = characters(shorten(node.label)).length;
  const detail = node.detail === undefined ? 0 : characters(shorten(node.detail)).length;
  const second = (node.state === undefined ? 0 : STATE_CHARS) + detail;
  const width = Math.max(MIN_WIDTH, Math.ceil(Math.max(label, second) * CHAR_WIDTH + PADDING));
  return Math.ceil(width / WIDTH_STEP) * WIDTH_STEP;
}

/**
 * What the layout of a graph depends on (its nodes' ids and box widths, its edges and
 * direction): a drawing whose key is unchanged keeps its layout when states change.
 */
export function layoutKey(nodes: readonly DagNode[], edges: readonly DagEdge[], direction: DagLayoutOptions['direction'] = 'TB'): string {
  return JSON.stringify([direction, nodes.map((n) => [n.id, boxWidth(n)]), edges.map((e) => [e.from, e.to])]);
}

/**
 * Places the nodes of a graph with dagre: every node gets a box and no two boxes
 * overlap; the nodes come back in reading order (rank by rank); edges whose ends are not both nodes (or that join a node to itself) are left
 * out, and a repeated node id keeps its first node. Cycles are drawn (dagre reverses an
 * edge of each), though a workflow never has one.
 */
export function layoutDag(nodes: readonly DagNode[], edges: readonly DagEdge[], options: DagLayoutOptions = {}): DagLayout {
  const g = new dagre.graphlib.Graph<Record<string, unknown>, { width: number; height: number; x?: number; y?: number }, { points?: Point[] }>({ multigraph: false });
  g.setGraph({ rankdir: options.direction ?? 'TB', nodesep: NODE_GAP, ranksep: 36, edgesep: 12, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  const unique = new Map<string, PlacedNode>();
  for (const node of nodes) {
    if (unique.has(node.id)) continue;
    const shownLabel = shorten(node.label);
    const shownDetail = node.detail === undefined ? undefined : shorten(node.detail);
    const width = boxWidth(node);
    unique.set(node.id, { ...node, x: 0, y: 0, width, height: NODE_HEIGHT, shownLabel, ...(shownDetail === undefined ? {} : { shownDetail }) });
    g.setNode(node.id, { width, height: NODE_HEIGHT });
  }
  const kept: DagEdge[] = [];
  const seen = new Set<string>();
  for (const edge of edges) {
    if (edge.from === edge.to || !unique.has(edge.from) || !unique.has(edge.to)) continue;
    const name = JSON.stringify([edge.from, edge.to]);
    if (seen.has(name)) continue;
    seen.add(name);
    kept.push({ from: edge.from, to: edge.to });
    g.setEdge(edge.from, edge.to);
  }
  if (unique.size === 0) return { width: 0, height: 0, nodes: [], edges: [] };
  dagre.layout(g);
  const lr = options.direction === 'LR';
  const placed = [...unique.values()].map((node) => {
    const at = g.node(node.id);
    return { ...node, x: (at.x ?? 0) - node.width / 2, y: (at.y ?? 0) - node.height / 2 };
  });
  const placedEdges = kept.map((edge) => ({ ...edge, points: (g.edge(edge.from, edge.to)?.points ?? []).map((p) => ({ x: p.x, y: p.y })) }));
  separate(placed, placedEdges, lr);
  // In reading order (rank by rank), so the keyboard visits the nodes as the eye does.
  placed.sort((a, b) => (lr ? a.x - b.x || a.y - b.y : a.y - b.y || a.x - b.x));
  const label = g.graph();
  const width = Math.max(typeof label.width === 'number' ? label.width : 0, ...placed.map((n) => n.x + n.width + MARGIN));
  const height = Math.max(typeof label.height === 'number' ? label.height : 0, ...placed.map((n) => n.y + n.height + MARGIN));
  return { width: Math.ceil(width), height: Math.ceil(height), nodes: placed, edges: placedEdges };
}

/**
 * dagre can, rarely, put two boxes of one rank on top of each other (dagrejs/dagre#158:
 * nodes of different widths): within each rank, push each box past the one before it
 * (with NODE_GAP between), moving the ends of its edges along.
 */
function separate(nodes: PlacedNode[], edges: PlacedEdge[], lr: boolean): void {
  const ranks = new Map<number, PlacedNode[]>();
  for (const node of nodes) {
    const rank = Math.round(lr ? node.x + node.width / 2 : node.y + node.height / 2);
    ranks.set(rank, [...(ranks.get(rank) ?? []), node]);
  }
  for (const rank of ranks.values()) {
    rank.sort((a, b) => (lr ? a.y - b.y : a.x - b.x));
    for (let i = 1; i < rank.length; i++) {
      const before = rank[i - 1] as PlacedNode;
      const node = rank[i] as PlacedNode;
      const shift = lr ? before.y + before.height + NODE_GAP - node.y : before.x + before.width + NODE_GAP - node.x;
      if (shift <= 0) continue;
      if (lr) node.y += shift;
      else node.x += shift;
      for (const edge of edges) {
        const end = edge.from === node.id ? edge.points[0] : edge.to === node.id ? edge.points.at(-1) : undefined;
        if (end === undefined) continue;
        if (lr) end.y += shift;
        else end.x += shift;
      }
    }
  }
}
