import { Fragment, useId } from 'react';
import { Link } from 'react-router';
import { attributeRows } from './attributes';
import { membersOf, type ViewGraph, type ViewNode } from './collapse';
import { KIND_LEGEND, KIND_SYMBOL } from './drawing';
import { edgesOf, labelOf, type GraphEdge, type GraphNode, type ProvGraph } from './prov-graph-model';
import type { Direction } from './walk';

export interface NodePanelProps {
  readonly graph: ProvGraph;
  readonly view: ViewGraph;
  /** The selected node: a graph node or a group. */
  readonly id: string;
  readonly canExpand: (step: string) => boolean;
  readonly onExpand: (step: string, expand: boolean) => void;
  readonly onSelect: (id: string) => void;
  readonly onWalk: (node: GraphNode, direction: Direction) => void;
  readonly onWhichRuns: (sha256: string, label: string) => void;
}

/** Where a node's page is: a job's page, a run's page. */
function pageOf(node: GraphNode): { href: string; text: string } | undefined {
  if (node.type === 'job') return { href: `/jobs/${encodeURIComponent(node.id.slice('job:'.length))}`, text: 'Open the job' };
  if (node.type === 'run') return { href: `/workflows/${encodeURIComponent(node.id.slice('run:'.length))}`, text: 'Open the run' };
  return undefined;
}

/** Relations listed in the panel at most; the rest are counted. */
const MAX_RELATIONS = 40;

interface RelationLine {
  readonly key: string;
  readonly relation: string;
  readonly outgoing: boolean;
  /** The view node to select (the other end, or the group that shows it). */
  readonly target: string | undefined;
  readonly name: string;
  readonly qualifiers: string;
  readonly count: number;
}

/** The node's relations as lines: one per relation and other end, those to the members of a group merged into one line with a count. */
function relationLines(graph: ProvGraph, view: ViewGraph, id: string): RelationLine[] {
  const { outgoing, incoming } = edgesOf(graph, id);
  const lines = new Map<string, RelationLine>();
  const add = (edge: GraphEdge, other: string, out: boolean) => {
    const shown = view.shownAs.get(other);
    const grouped = shown !== undefined && shown !== other;
    const node = graph.nodes.get(other);
    const name = grouped ? (view.nodes.find((n) => n.id === shown)?.label ?? shown) : node === undefined ? other : labelOf(node);
    const qualifiers = grouped ? '' : Object.entries(edge.attributes).map(([k, v]) => `${k} ${v}`).join(', ');
    const key = JSON.stringify([out, edge.relation, grouped ? shown : other, qualifiers]);
    const had = lines.get(key);
    lines.set(key, { key, relation: edge.relation, outgoing: out, target: shown, name, qualifiers, count: (had?.count ?? 0) + 1 });
  };
  for (const edge of outgoing) add(edge, edge.to, true);
  for (const edge of incoming) add(edge, edge.from, false);
  return [...lines.values()];
}

function Relation({ line, onSelect }: { readonly line: RelationLine; readonly onSelect: (id: string) => void }) {
  const target = line.target;
  return (
    <li>
      {line.outgoing ? `${line.relation} ` : ''}
      {target === undefined ? (
        <span className="prov-other">{line.name}</span>
      ) : (
        <button type="button" className="button-link" onClick={() => onSelect(target)}>
          {line.name}
        </button>
      )}
      {line.outgoing ? '' : ` ${line.relation} this`}
      {line.count > 1 && <span className="prov-qualifiers"> ({line.count} relations)</span>}
      {line.qualifiers !== '' && <span className="prov-qualifiers"> ({line.qualifiers})</span>}
    </li>
  );
}

/** The side panel of the selected node: its class, type and facts, its relations, and where to walk from it. */
export function NodePanel({ graph, view, id, canExpand, onExpand, onSelect, onWalk, onWhichRuns }: NodePanelProps) {
  const title = useId();
  const node = graph.nodes.get(id);
  const group = view.nodes.find((n) => n.id === id && n.group !== undefined);
  if (node === undefined) return group === undefined ? null : <GroupPanel group={group} graph={graph} view={view} onExpand={onExpand} onSelect={onSelect} titleId={title} />;
  const legend = KIND_LEGEND.find((k) => k.kind === node.kind);
  const rows = attributeRows(node.attributes);
  const lines = relationLines(graph, view, node.id);
  const page = pageOf(node);
  const sha256 = node.attributes['sha256'] ?? '';
  const expandable = node.type === 'step' && canExpand(node.id);
  return (
    <aside className="prov-panel" data-testid="prov-panel" data-id={node.id} aria-labelledby={title}>
      <h2 id={title}>{labelOf(node)}</h2>
      <dl className="facts">
        <dt>Class</dt>
        <dd>
          {KIND_SYMBOL[node.kind]} {node.kind}
          {legend ? ` (${legend.shape})` : ''}
        </dd>
        <dt>Type</dt>
        <dd>{node.type || '—'}</dd>
        <dt>Id</dt>
        <dd>
          <code>{node.id}</code>
        </dd>
        {node.runId !== '' && (
          <>
            <dt>Run</dt>
            <dd>
              <Link to={`/provenance/${encodeURIComponent(node.runId)}`}>{node.runId}</Link>
            </dd>
          </>
        )}
        {rows.map((row) => (
          <Fragment key={row.key}>
            <dt>{row.name}</dt>
            <dd data-attribute={row.key}>{row.code ? <code className="prov-code">{row.value}</code> : row.value}</dd>
          </Fragment>
        ))}
      </dl>
      <div className="button-row">
        <button type="button" onClick={() => onWalk(node, 'upstream')}>
          Upstream
        </button>
        <button type="button" onClick={() => onWalk(node, 'downstream')}>
          Downstream
        </button>
        {node.type === 'file' && /^[0-9a-f]{64}$/.test(sha256) && (
          <button type="button" onClick={() => onWhichRuns(sha256, labelOf(node))}>
            Which runs used this?
          </button>
        )}
        {expandable && (
          <button type="button" className="button-quiet" onClick={() => onExpand(node.id, false)}>
            Group its items
          </button>
        )}
        {page && <Link to={page.href}>{page.text}</Link>}
      </div>
      {lines.length > 0 && (
        <>
          <h3>Relations</h3>
          <ul className="prov-relations">
            {lines.slice(0, MAX_RELATIONS).map((line) => (
              <Relation key={line.key} line={line} onSelect={onSelect} />
            ))}
          </ul>
          {lines.length > MAX_RELATIONS && <p className="prov-qualifiers">and {lines.length - MAX_RELATIONS} more (walk from the node to see them drawn)</p>}
        </>
      )}
    </aside>
  );
}

function GroupPanel({ group, graph, view, onExpand, onSelect, titleId }: { readonly group: ViewNode; readonly graph: ProvGraph; readonly view: ViewGraph; readonly onExpand: (step: string, expand: boolean) => void; readonly onSelect: (id: string) => void; readonly titleId: string }) {
  const step = group.group?.step ?? '';
  const stepNode = graph.nodes.get(step);
  const members = membersOf(view, group.id);
  return (
    <aside className="prov-panel" data-testid="prov-panel" data-id={group.id} aria-labelledby={titleId}>
      <h2 id={titleId}>{group.label}</h2>
      <p>
        {group.type === 'items' ? 'The array items' : 'The files generated by the array items'} of step{' '}
        {stepNode ? (
          <button type="button" className="button-link" onClick={() => onSelect(step)}>
            {labelOf(stepNode)}
          </button>
        ) : (
          <code>{step}</code>
        )}
        , drawn as one node.
      </p>
      <div className="button-row">
        <button type="button" onClick={() => onExpand(step, true)}>
          Show all {members.length}
        </button>
      </div>
    </aside>
  );
}
