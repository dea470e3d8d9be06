import { useMemo, type MouseEvent } from 'react';
import { useNavigate } from 'react-router';
import { type DagEdge, type DagLayout, type DagLayoutOptions, type DagNode, layoutDag, layoutKey, type PlacedNode, shorten } from './dag-layout';
import { ArrowMarker, edgePath, useArrowId } from './edges';
import { stateLook } from './state-look';
import './dag.css';

export interface DagProps {
  readonly nodes: readonly DagNode[];
  readonly edges: readonly DagEdge[];
  /** Names the drawing for screen readers, e.g. "Steps of run 1f3c…". */
  readonly ariaLabel: string;
  /** Top to bottom (default) or left to right. */
  readonly direction?: DagLayoutOptions['direction'];
}

/**
 * A graph of steps drawn as SVG (laid out with dagre): each node shows its label, its
 * state as a symbol, a word and a colour, and links where it has an `href` (keyboard
 * reachable). The `<svg>` is role="img" named by `ariaLabel`, or role="group" when it
 * holds links. The drawing keeps its natural size and scrolls sideways in a narrow
 * window; a visually-hidden list repeats every node with its state and what it needs.
 */
export function Dag({ nodes, edges, ariaLabel, direction }: DagProps) {
  // Laid out again only when nodes, edges or box sizes change: a change of state (the
  // common live update) redraws the boxes where they are.
  const key = layoutKey(nodes, edges, direction);
  const shape = useMemo(() => layoutDag(nodes, edges, direction === undefined ? {} : { direction }), [key]);
  const layout = useMemo(() => withCurrent(shape, nodes), [shape, nodes]);
  const marker = useArrowId('dag');
  const needs = useMemo(() => {
    const byNode = new Map<string, string[]>();
    const labels = new Map(layout.nodes.map((n) => [n.id, n.label]));
    for (const edge of layout.edges) byNode.set(edge.to, [...(byNode.get(edge.to) ?? []), labels.get(edge.from) ?? edge.from]);
    return byNode;
  }, [layout]);
  // A drawing is an image; one holding links is a group, so its links stay reachable by
  // screen readers (links inside role="img" are hidden from them: axe's nested-interactive).
  const linked = layout.nodes.some((n) => n.href !== undefined);
  return (
    <div className="cairn-dag">
      <div className="cairn-dag-scroll" tabIndex={0} role="group" aria-label={`${ariaLabel} (drawing; scrolls sideways when wider than the window)`}>
        <svg role={linked ? 'group' : 'img'} aria-label={ariaLabel} data-testid="dag" width={layout.width} height={layout.height} viewBox={`0 0 ${layout.width} ${layout.height}`}>
          <ArrowMarker id={marker} />
          {layout.edges.map((edge) => (
            <path key={`${edge.from}\u0000${edge.to}`} className="cairn-dag-edge" d={edgePath(edge.points)} markerEnd={`url(#${marker})`} />
          ))}
          {layout.nodes.map((node) => (
            <NodeBox key={node.id} node={node} />
          ))}
        </svg>
      </div>
      <ul className="visually-hidden" aria-label={`${ariaLabel}: steps and their states`}>
        {layout.nodes.map((node) => (
          <li key={node.id}>
            {node.label}: {node.state ?? 'planned'}
            {node.detail ? `, ${node.detail}` : ''}
            {needs.has(node.id) ? ` (after ${(needs.get(node.id) ?? []).join(', ')})` : ''}
          </li>
        ))}
      </ul>
    </div>
  );
}

function NodeBox({ node }: { readonly node: PlacedNode }) {
  const navigate = useNavigate();
  const look = stateLook(node.state);
  const stateText = node.state === undefined ? '' : `${look.symbol} ${node.state}`;
  const second = [stateText, node.shownDetail ?? ''].filter((s) => s !== '').join('  ·  ');
  const box = (
    <>
      <title>{[node.label, node.state, node.detail].filter((s) => s !== undefined && s !== '').join(' — ')}</title>
      <rect className="cairn-dag-box" x={node.x} y={node.y} width={node.width} height={node.height} rx={8} fill={look.fill} stroke={look.stroke} strokeWidth={look.strokeWidth} strokeDasharray={look.dash} />
      <text className="cairn-dag-label" x={node.x + node.width / 2} y={node.y + (second === '' ? node.height / 2 + 5 : 22)} textAnchor="middle">
        {node.shownLabel}
      </text>
      {second !== '' && (
        <text className="cairn-dag-detail" x={node.x + node.width / 2} y={node.y + 41} textAnchor="middle">
          {second}
        </text>
      )}
    </>
  );
  const href = node.href;
  const follow = (e: MouseEvent<Element>) => {
    if (href === undefined || !href.startsWith('/') || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    void navigate(href);
  };
  return (
    <g data-testid="dag-node" data-key={node.id} data-state={node.state ?? 'PLANNED'} className="cairn-dag-node">
      {href === undefined ? (
        box
      ) : (
        <a href={href} onClick={follow} aria-label={`${node.label}: ${node.state ?? 'planned'}${node.detail ? `, ${node.detail}` : ''} (open)`}>
          {box}
        </a>
      )}
    </g>
  );
}

/** The laid-out boxes with the nodes' current state, detail, label and link. */
function withCurrent(layout: DagLayout, nodes: readonly DagNode[]): DagLayout {
  const current = new Map(nodes.map((n) => [n.id, n]));
  return {
    ...layout,
    nodes: layout.nodes.map((placed) => {
      const node = current.get(placed.id);
      if (node === undefined) return placed;
      const box = { id: placed.id, x: placed.x, y: placed.y, width: placed.width, height: placed.height };
      return { ...node, ...box, shownLabel: shorten(node.label), ...(node.detail === undefined ? {} : { shownDetail: shorten(node.detail) }) };
    }),
  };
}
