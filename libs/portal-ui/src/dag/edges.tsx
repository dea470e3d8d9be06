import { useId } from 'react';

/** An edge's SVG path through its laid-out points. */
export function edgePath(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'} ${p.x.toFixed(1)} ${p.y.toFixed(1)}`).join(' ');
}

/** An id for one drawing's arrowhead, unique on the page (`prefix` names the kind of drawing). */
export function useArrowId(prefix: string): string {
  return `${prefix}-arrow-${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
}

/** The arrowhead every graph drawing uses, inside its `<svg>`; edges point to it with markerEnd or markerStart `url(#id)`. */
export function ArrowMarker({ id }: { readonly id: string }) {
  return (
    <defs>
      <marker id={id} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
        <path d="M 0 0 L 10 5 L 0 10 z" fill="#3d4150" />
      </marker>
    </defs>
  );
}
