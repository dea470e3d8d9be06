import { edgeKey, labelOf, type GraphNode, type KindName, type ProvGraph } from './prov-graph-model';

/** A step with more array items than this shows them as one node ("N items") until expanded. */
export const COLLAPSE_ITEMS_OVER = 6;

/** A node as drawn: a graph node, or a group standing for a step's items (or their outputs). */
export interface ViewNode {
  readonly id: string;
  readonly kind: KindName;
  /** The node's type, or "items" / "outputs" for a group. */
  readonly type: string;
  readonly label: string;
  /** For a group: the step whose items it holds (what "Expand" takes), and how many it holds. */
  readonly group?: { readonly step: string; readonly count: number };
}

/** An edge as drawn: between view nodes, with how many graph edges it stands for. */
export interface ViewEdge {
  readonly relation: string;
  readonly from: string;
  readonly to: string;
  readonly count: number;
}

export interface ViewGraph {
  readonly nodes: ViewNode[];
  readonly edges: ViewEdge[];
  /** Each graph node id → the id of the view node that shows it (itself, or its group). */
  readonly shownAs: ReadonlyMap<string, string>;
}

export const itemsGroupId = (step: string): string => `items:${step}`;
export const outputsGroupId = (step: string): string => `outputs:${step}`;

/** The step an item belongs to: its `partOf` edge, else from its id (`item:<run>/<key>/<index>` → `step:<run>/<key>`). */
function stepOfItem(item: GraphNode, partOf: ReadonlyMap<string, string>): string {
  const parent = partOf.get(item.id);
  if (parent !== undefined) return parent;
  const slash = item.id.lastIndexOf('/');
  return slash > 'item:'.length ? `step:${item.id.slice('item:'.length, slash)}` : `step:${item.id}`;
}

/**
 * The graph as drawn: each step with more than `over` array items (and not in `expanded`)
 * shows them as one activity "N items", and the files only those items generated as one
 * entity "N outputs"; edges are redrawn between what is shown, repeated ones merged (with
 * a count) and those inside a group dropped. Every other node is shown as it is.
 */
export function collapseItems(graph: ProvGraph, expanded: ReadonlySet<string>, over = COLLAPSE_ITEMS_OVER): ViewGraph {
  const partOf = new Map<string, string>();
  const generatedBy = new Map<string, string[]>();
  for (const edge of graph.edges.values()) {
    if (edge.relation === 'partOf' && !partOf.has(edge.from)) partOf.set(edge.from, edge.to);
    if (edge.relation === 'wasGeneratedBy') generatedBy.set(edge.from, [...(generatedBy.get(edge.from) ?? []), edge.to]);
  }
  const itemsByStep = new Map<string, string[]>();
  for (const node of graph.nodes.values()) {
    if (node.type !== 'item') continue;
    const step = stepOfItem(node, partOf);
    itemsByStep.set(step, [...(itemsByStep.get(step) ?? []), node.id]);
  }
  const shownAs = new Map<string, string>();
  const groups = new Map<string, ViewNode>();
  for (const [step, items] of itemsByStep) {
    if (items.length <= over || expanded.has(step)) continue;
    const id = itemsGroupId(step);
    groups.set(id, { id, kind: 'activity', type: 'items', label: `${items.length} items`, group: { step, count: items.length } });
    for (const item of items) shownAs.set(item, id);
  }
  // Files generated only by collapsed items of one step go into that step's outputs group.
  const outputs = new Map<string, string[]>();
  for (const node of graph.nodes.values()) {
    if (node.kind !== 'entity') continue;
    const makers = generatedBy.get(node.id) ?? [];
    const shown = new Set(makers.map((m) => shownAs.get(m)));
    if (makers.length === 0 || shown.size !== 1) continue;
    const group = [...shown][0];
    if (group === undefined) continue;
    outputs.set(group, [...(outputs.get(group) ?? []), node.id]);
  }
  for (const [itemsGroup, files] of outputs) {
    const step = groups.get(itemsGroup)?.group?.step ?? itemsGroup;
    const id = outputsGroupId(step);
    groups.set(id, { id, kind: 'entity', type: 'outputs', label: `${files.length} outputs`, group: { step, count: files.length } });
    for (const file of files) shownAs.set(file, id);
  }
  const nodes: ViewNode[] = [];
  const placed = new Set<string>();
  for (const node of graph.nodes.values()) {
    const as = shownAs.get(node.id);
    if (as === undefined) {
      shownAs.set(node.id, node.id);
      nodes.push({ id: node.id, kind: node.kind, type: node.type, label: labelOf(node) });
    } else if (!placed.has(as)) {
      placed.add(as);
      const group = groups.get(as);
      if (group !== undefined) nodes.push(group);
    }
  }
  const edges = new Map<string, ViewEdge>();
  for (const edge of graph.edges.values()) {
    const from = shownAs.get(edge.from);
    const to = shownAs.get(edge.to);
    if (from === undefined || to === undefined || from === to) continue;
    const key = edgeKey({ relation: edge.relation, from, to });
    const had = edges.get(key);
    edges.set(key, { relation: edge.relation, from, to, count: (had?.count ?? 0) + 1 });
  }
  return { nodes, edges: [...edges.values()], shownAs };
}

/** The graph nodes a group stands for (for the panel of a group). */
export function membersOf(view: ViewGraph, id: string): string[] {
  return [...view.shownAs].filter(([member, as]) => as === id && member !== id).map(([member]) => member);
}
