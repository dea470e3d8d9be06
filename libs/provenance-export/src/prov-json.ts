import type { ProvEdge, ProvNode, ProvNodeType } from '@cairn/contracts';
import { classOf, encodeId, typeOf, isoTime, NODE_NAMESPACE, normalizeGraph, TERMS_NAMESPACE, wholeNumber, type NormalGraph, type ProvClass, type RunGraph, type RunSource } from './graph';

/**
 * W3C PROV-JSON (https://www.w3.org/Submission/prov-json/) of a run's graph. Node ids become
 * QNames `node:<id, percent-encoded>` (prefix node = urn:cairn:node:), attributes `cairn:<name>`
 * (prefix cairn = urn:cairn:terms#), relations keep PROV's qualified names (prov:activity,
 * prov:entity, ...), sizes and counts are xsd typed literals, times prov:startTime/prov:endTime
 * and prov:time. `partOf`, which PROV has no relation for, is dcterms:isPartOf on the part.
 */
export interface ProvTypedLiteral {
  readonly $: string;
  readonly type: string;
}
export type ProvLiteral = string | number | boolean | ProvTypedLiteral;
export type ProvValue = ProvLiteral | readonly ProvLiteral[];
export type ProvRecord = Record<string, ProvValue>;

export interface ProvJsonDocument {
  prefix: Record<string, string>;
  entity: Record<string, ProvRecord>;
  activity: Record<string, ProvRecord>;
  agent: Record<string, ProvRecord>;
  used?: Record<string, ProvRecord>;
  wasGeneratedBy?: Record<string, ProvRecord>;
  wasAssociatedWith?: Record<string, ProvRecord>;
  wasDerivedFrom?: Record<string, ProvRecord>;
  wasInformedBy?: Record<string, ProvRecord>;
  wasInfluencedBy?: Record<string, ProvRecord>;
}

export const PROV_JSON_PREFIXES: Readonly<Record<string, string>> = {
  cairn: TERMS_NAMESPACE,
  node: NODE_NAMESPACE,
  dcterms: 'http://purl.org/dc/terms/',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
};

const qname = (id: string): string => `node:${encodeId(id)}`;
const qualified = (name: string): ProvTypedLiteral => ({ $: name, type: 'prov:QUALIFIED_NAME' });
const provType = (type: ProvNodeType): ProvValue => {
  const names = PROV_TYPES[type].map(qualified);
  return names.length === 1 ? (names[0] as ProvTypedLiteral) : names;
};

/** cairn:<Type> for each node type, plus PROV's own subtypes where one fits. */
const PROV_TYPES: Readonly<Record<ProvNodeType, readonly string[]>> = {
  run: ['cairn:Run'],
  step: ['cairn:Step'],
  iteration: ['cairn:Iteration'],
  item: ['cairn:Item'],
  job: ['cairn:Job'],
  'workflow-file': ['prov:Plan', 'cairn:WorkflowFile'],
  params: ['cairn:Parameters'],
  image: ['cairn:ContainerImage'],
  file: ['cairn:File'],
  decision: ['cairn:Decision'],
  person: ['prov:Person', 'cairn:Person'],
  site: ['prov:SoftwareAgent', 'cairn:Site'],
};

const INT_ATTRIBUTES = new Set(['exit_code', 'index', 'iteration', 'attempt', 'requeues', 'items']);
const LONG_ATTRIBUTES = new Set(['size']);
const INT32 = 2 ** 31;

function attributeValue(name: string, value: string): ProvLiteral {
  const n = wholeNumber(value);
  if (n !== undefined && INT_ATTRIBUTES.has(name) && n >= -INT32 && n < INT32) return { $: String(n), type: 'xsd:int' };
  if (n !== undefined && LONG_ATTRIBUTES.has(name)) return { $: String(n), type: 'xsd:long' };
  if (name.startsWith('metric.') && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value) && Number.isFinite(Number(value))) return { $: value, type: 'xsd:double' };
  return value;
}

function nodeRecord(node: ProvNode): ProvRecord {
  const record: ProvRecord = { 'prov:type': provType(node.type) };
  if (node.label) record['prov:label'] = node.label;
  for (const [name, value] of Object.entries(node.attributes)) {
    const time = node.kind === 'activity' && (name === 'start_time' || name === 'end_time') ? isoTime(value) : undefined;
    if (time !== undefined) record[name === 'start_time' ? 'prov:startTime' : 'prov:endTime'] = time;
    else record[`cairn:${encodeId(name)}`] = attributeValue(name, value);
  }
  return record;
}

/** A record for an id the graph refers to but does not hold (another run's node): its type only. */
function referenceRecord(graph: NormalGraph, id: string): ProvRecord {
  const type = typeOf(graph, id);
  return type ? { 'prov:type': provType(type) } : {};
}

/** Edge attributes: role → prov:role, time → prov:time, the rest cairn:<name>. */
function edgeAttributes(edge: ProvEdge): ProvRecord {
  const record: ProvRecord = {};
  for (const [name, value] of Object.entries(edge.attributes)) {
    if (name === 'role') record['prov:role'] = value;
    else if (name === 'time' && isoTime(value)) record['prov:time'] = value;
    else record[`cairn:${encodeId(name)}`] = attributeValue(name, value);
  }
  return record;
}

/** What each relation's ends must be, and the PROV-JSON keys they go under. */
const SHAPES = {
  used: { from: 'activity', to: 'entity', fromKey: 'prov:activity', toKey: 'prov:entity' },
  wasGeneratedBy: { from: 'entity', to: 'activity', fromKey: 'prov:entity', toKey: 'prov:activity' },
  wasDerivedFrom: { from: 'entity', to: 'entity', fromKey: 'prov:generatedEntity', toKey: 'prov:usedEntity' },
  wasInformedBy: { from: 'activity', to: 'activity', fromKey: 'prov:informed', toKey: 'prov:informant' },
} as const satisfies Record<string, { from: ProvClass; to: ProvClass; fromKey: string; toKey: string }>;

/** The class each id is declared as: the graph's node, else its id's type, else what its first edge implies. */
function declaredClasses(graph: NormalGraph): Map<string, ProvClass> {
  const classes = new Map<string, ProvClass>(graph.nodes.map((n) => [n.id, n.kind]));
  const declare = (id: string, implied: ProvClass): void => {
    if (!classes.has(id)) classes.set(id, classOf(graph, id) ?? implied);
  };
  for (const edge of graph.edges) {
    switch (edge.relation) {
      case 'used':
      case 'wasGeneratedBy':
      case 'wasDerivedFrom':
      case 'wasInformedBy':
        declare(edge.from, SHAPES[edge.relation].from);
        declare(edge.to, SHAPES[edge.relation].to);
        break;
      case 'wasAssociatedWith':
        declare(edge.from, 'activity');
        declare(edge.to, 'agent');
        break;
      case 'partOf':
        declare(edge.from, 'activity');
        declare(edge.to, 'activity');
        break;
    }
  }
  return classes;
}

/** Builds the W3C PROV-JSON document of a run's graph (pure; the same graph gives the same document). */
export function toProvJson(input: RunGraph, _source?: RunSource): ProvJsonDocument {
  const graph = normalizeGraph(input);
  const classes = declaredClasses(graph);
  const doc: ProvJsonDocument = { prefix: { ...PROV_JSON_PREFIXES }, entity: {}, activity: {}, agent: {} };
  for (const [id, cls] of [...classes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const node = graph.byId.get(id);
    doc[cls][qname(id)] = node ? nodeRecord(node) : referenceRecord(graph, id);
  }

  const relations: Record<'used' | 'wasGeneratedBy' | 'wasAssociatedWith' | 'wasDerivedFrom' | 'wasInformedBy' | 'wasInfluencedBy', ProvRecord[]> = {
    used: [],
    wasGeneratedBy: [],
    wasAssociatedWith: [],
    wasDerivedFrom: [],
    wasInformedBy: [],
    wasInfluencedBy: [],
  };
  const influence = (edge: ProvEdge): void => {
    relations.wasInfluencedBy.push({ 'prov:influencee': qname(edge.from), 'prov:influencer': qname(edge.to), 'cairn:relation': edge.relation, ...edgeAttributes(edge) });
  };
  const plans = new Map<string, string[]>();
  const partOf = new Map<string, string[]>();

  for (const edge of graph.edges) {
    const from = classes.get(edge.from);
    const to = classes.get(edge.to);
    switch (edge.relation) {
      case 'used':
      case 'wasGeneratedBy':
      case 'wasDerivedFrom':
      case 'wasInformedBy': {
        const shape = SHAPES[edge.relation];
        if (from !== shape.from || to !== shape.to) {
          influence(edge);
          break;
        }
        const record: ProvRecord = { [shape.fromKey]: qname(edge.from), [shape.toKey]: qname(edge.to), ...edgeAttributes(edge) };
        if (edge.relation === 'wasGeneratedBy' && record['prov:time'] === undefined) {
          const end = isoTime(graph.byId.get(edge.to)?.attributes['end_time']);
          if (end !== undefined) record['prov:time'] = end;
        }
        relations[edge.relation].push(record);
        break;
      }
      case 'wasAssociatedWith':
        if (from === 'activity' && to === 'agent') relations.wasAssociatedWith.push({ 'prov:activity': qname(edge.from), 'prov:agent': qname(edge.to), ...edgeAttributes(edge) });
        else if (from === 'activity' && to === 'entity') plans.set(edge.from, [...(plans.get(edge.from) ?? []), edge.to]);
        else influence(edge);
        break;
      case 'partOf':
        partOf.set(edge.from, [...(partOf.get(edge.from) ?? []), edge.to]);
        break;
    }
  }

  // A plan (the workflow file) joins the activity's owner association, or stands alone.
  for (const [activity, planIds] of plans) {
    for (const plan of planIds) {
      const owner = relations.wasAssociatedWith.find((r) => r['prov:activity'] === qname(activity) && r['prov:plan'] === undefined && r['prov:role'] === 'owner');
      if (owner) owner['prov:plan'] = qname(plan);
      else relations.wasAssociatedWith.push({ 'prov:activity': qname(activity), 'prov:plan': qname(plan), 'prov:role': 'plan' });
    }
  }
  for (const [part, wholes] of partOf) {
    const cls = classes.get(part);
    const record = cls ? doc[cls][qname(part)] : undefined;
    if (record) record['dcterms:isPartOf'] = wholes.length === 1 ? qualified(qname(wholes[0] ?? '')) : wholes.map((w) => qualified(qname(w)));
  }

  const ids: Record<keyof typeof relations, string> = { used: 'u', wasGeneratedBy: 'g', wasAssociatedWith: 'a', wasDerivedFrom: 'd', wasInformedBy: 'c', wasInfluencedBy: 'i' };
  for (const key of Object.keys(relations) as (keyof typeof relations)[]) {
    if (relations[key].length > 0) doc[key] = Object.fromEntries(relations[key].map((r, i) => [`_:${ids[key]}${i + 1}`, r]));
  }
  return doc;
}
